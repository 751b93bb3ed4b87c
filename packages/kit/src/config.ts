/** Typed configuration read once from the environment, validated, and frozen. */
import { serviceKey, trustBundle } from './trust/bundle.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A reader turns one variable's raw text into a value, or throws a ConfigValueError. */
export interface VarReader<T> {
  readonly variable: string;
  read(env: Env): T;
}

/** A reader's complaint about its variable's value; loadConfig names the variable. */
export class ConfigValueError extends Error {}

/** Thrown when one or more variables are invalid; the message names each one. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function raw(env: Env, variable: string): string | undefined {
  const value = env[variable];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function reader<T>(variable: string, parse: (text: string | undefined) => T): VarReader<T> {
  return { variable, read: (env) => parse(raw(env, variable)) };
}

export function str(variable: string, options: { default: string; pattern?: RegExp }): VarReader<string>;
export function str(variable: string, options?: { pattern?: RegExp }): VarReader<string | undefined>;
export function str(variable: string, options: { default?: string; pattern?: RegExp } = {}) {
  return reader(variable, (text) => {
    const value = text ?? options.default;
    if (value !== undefined && options.pattern && !options.pattern.test(value)) {
      throw new ConfigValueError(`must match ${options.pattern}, got ${JSON.stringify(value)}`);
    }
    return value;
  });
}

export function int(variable: string, options: { default: number; min?: number; max?: number }): VarReader<number> {
  return reader(variable, (text) => {
    if (text === undefined) return options.default;
    if (!/^-?\d+$/.test(text)) throw new ConfigValueError(`must be an integer, got ${JSON.stringify(text)}`);
    const value = Number(text);
    if (options.min !== undefined && value < options.min) throw new ConfigValueError(`must be at least ${options.min}, got ${value}`);
    if (options.max !== undefined && value > options.max) throw new ConfigValueError(`must be at most ${options.max}, got ${value}`);
    return value;
  });
}

export function num(variable: string, options: { default: number; min?: number; max?: number }): VarReader<number> {
  return reader(variable, (text) => {
    if (text === undefined) return options.default;
    const value = Number(text);
    if (!Number.isFinite(value)) throw new ConfigValueError(`must be a number, got ${JSON.stringify(text)}`);
    if (options.min !== undefined && value < options.min) throw new ConfigValueError(`must be at least ${options.min}, got ${value}`);
    if (options.max !== undefined && value > options.max) throw new ConfigValueError(`must be at most ${options.max}, got ${value}`);
    return value;
  });
}

export function oneOf<const T extends string>(variable: string, values: readonly T[], fallback: T): VarReader<T> {
  return reader(variable, (text) => {
    if (text === undefined) return fallback;
    const value = text.toLowerCase();
    if (!(values as readonly string[]).includes(value)) {
      throw new ConfigValueError(`must be one of ${values.join(', ')}, got ${JSON.stringify(text)}`);
    }
    return value as T;
  });
}

/** An optional URL whose scheme must be one of `protocols` (e.g. `postgres:`). */
export function url(variable: string, protocols: readonly string[]): VarReader<string | undefined> {
  return reader(variable, (text) => {
    if (text === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new ConfigValueError('must be a URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigValueError(`must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    }
    return text;
  });
}

/** Any reader built from a custom parse function; throw an Error to reject the value. */
export function custom<T>(variable: string, parse: (text: string | undefined) => T): VarReader<T> {
  return reader(variable, (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new ConfigValueError((error as Error).message);
    }
  });
}

/** An ISO 4217 currency code (upper case, one the runtime knows, e.g. `USD`, `EUR`). */
export function currencyCode(variable: string, fallback: string): VarReader<string> {
  return reader(variable, (text) => {
    const value = text ?? fallback;
    if (!/^[A-Z]{3}$/.test(value) || !Intl.supportedValuesOf('currency').includes(value)) {
      throw new ConfigValueError(`must be an ISO 4217 currency code such as USD or EUR, got ${JSON.stringify(value)}`);
    }
    return value;
  });
}

type Values<S> = { readonly [K in keyof S]: S[K] extends VarReader<infer T> ? T : never };

/**
 * Reads every variable of `spec` from `env`. All problems are collected so one start-up
 * error names every bad variable at once.
 */
export function loadConfig<S extends Record<string, VarReader<unknown>>>(spec: S, env: Env = process.env): Values<S> {
  const result: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, var_] of Object.entries(spec)) {
    try {
      result[key] = var_.read(env);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      problems.push(`${var_.variable} ${error.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result) as Values<S>;
}

/** `embedded` (the default) or a NATS URL such as `nats://127.0.0.1:4222`. */
export function parseBus(text: string | undefined): string {
  if (text === undefined || text.toLowerCase() === 'embedded') return 'embedded';
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new Error(`must be "embedded" or a nats:// URL, got ${JSON.stringify(text)}`);
  }
  if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') throw new Error(`must be "embedded" or a nats:// URL, got ${JSON.stringify(text)}`);
  return text;
}

/** The IPC message a local runner sends a gateway when a service's instances change: `{ type, upstreams }`. */
export const UPSTREAMS_MESSAGE = 'microshop.upstreams';
/** What a gateway tells its runner of each service after every traffic sample (the autoscaler's and canaries' signals). */
export const SIGNALS_MESSAGE = 'microshop.signals';
/** A runner asking its gateway for a signals message now. */
export const SIGNALS_REQUEST = 'microshop.signals.request';
/** What a runner tells its gateway of its autoscaler and canary releases (/ops shows it). */
export const RUNNER_MESSAGE = 'microshop.runner';

/** `catalog=http://127.0.0.1:4001,http://127.0.0.1:4002;orders=http://orders:8080` */
export function parseUpstreams(text: string | undefined): Readonly<Record<string, readonly string[]>> {
  const upstreams: Record<string, string[]> = {};
  if (text === undefined) return upstreams;
  for (const entry of text
    .split(/[;\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    if (eq <= 0 || !/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`has an entry without a service name: ${JSON.stringify(entry)}`);
    const urls = entry
      .slice(eq + 1)
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    for (const u of urls) {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw new Error(`has an invalid URL for ${name}: ${JSON.stringify(u)}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`needs http(s) URLs, got ${JSON.stringify(u)}`);
    }
    upstreams[name] = urls.map((u) => u.replace(/\/+$/, ''));
  }
  return upstreams;
}

/** Settings every service process shares. `service` names the `<SERVICE>_DATABASE_URL` variable. */
export function serviceConfigSpec(service: string) {
  const prefix = service.toUpperCase().replace(/-/g, '_');
  return {
    service: custom('MICROSHOP_SERVICE_NAME', () => service),
    port: int('PORT', { default: 0, min: 0, max: 65535 }),
    // Only this machine can reach a service unless HOST opens it on purpose (as a container does).
    host: str('HOST', { default: '127.0.0.1' }),
    instanceId: str('MICROSHOP_INSTANCE_ID', { default: `${service}-${process.pid}`, pattern: /^[\w.-]{1,64}$/ }),
    dataDir: str('MICROSHOP_DATA_DIR', { default: './data' }),
    databaseUrl: url(`${prefix}_DATABASE_URL`, ['postgres:', 'postgresql:']),
    bus: custom('MICROSHOP_BUS', parseBus),
    /** Copies of each NATS stream: 3 on a three-server JetStream cluster. */
    busReplicas: int('MICROSHOP_BUS_REPLICAS', { default: 1, min: 1, max: 5 }),
    busNamespace: str('MICROSHOP_BUS_NAMESPACE', { default: 'microshop', pattern: /^[a-z][a-z0-9_-]{0,31}$/ }),
    /** Where the other services are, for the few calls that cannot wait for an event. */
    upstreams: custom('MICROSHOP_UPSTREAMS', parseUpstreams),
    /** How long handled inbox rows, sent outbox rows, delivered bus messages and dead letters are kept. */
    retentionHours: int('MICROSHOP_RETENTION_HOURS', { default: 168, min: 1, max: 87_600 }),
    /** Dead letters kept at most; the oldest go first. */
    deadLetterMax: int('MICROSHOP_DEAD_LETTER_MAX', { default: 10_000, min: 1, max: 10_000_000 }),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    shutdownTimeoutMs: int('MICROSHOP_SHUTDOWN_TIMEOUT_MS', { default: 10_000, min: 0, max: 600_000 }),
    /** The shop's one currency: every price, cart and order is in it. */
    currency: currencyCode('MICROSHOP_CURRENCY', 'USD'),
    /** The public keys this service believes (MICROSHOP_TRUST or MICROSHOP_TRUST_FILE). */
    trust: trustBundle(),
    /** Its own private key (MICROSHOP_SERVICE_KEY or MICROSHOP_SERVICE_KEY_FILE). */
    serviceKey: serviceKey(service),
  };
}

export type ServiceConfig = Values<ReturnType<typeof serviceConfigSpec>>;
