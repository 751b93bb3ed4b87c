import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { custom, type Env, int, loadConfig, oneOf, parseUpstreams, serviceKey, str, trustBundle } from '@microshop/kit';

export { parseUpstreams };

/** gateway/dist/src/config.js → the repository's web/dist, where `npm ci` builds the storefront. */
const BUILT_WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web', 'dist');

/** TLS_CERT and TLS_KEY name PEM files; both or neither. Read once, at start. */
function readTls(env: Env): { cert: Buffer; key: Buffer } | undefined {
  const cert = env.TLS_CERT?.trim();
  const key = env.TLS_KEY?.trim();
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new Error(`needs both TLS_CERT and TLS_KEY, got only ${cert ? 'TLS_CERT' : 'TLS_KEY'}`);
  try {
    return { cert: readFileSync(cert), key: readFileSync(key) };
  } catch (error) {
    throw new Error(`could not read the certificate or key: ${(error as Error).message}`);
  }
}

/** `10.0.0.0/8,192.168.1.7`: proxies (an Ingress controller) whose X-Forwarded-For the limits believe. */
export function parseTrustedProxies(text: string | undefined): readonly string[] {
  if (text === undefined) return [];
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address = '', bits, ...rest] = entry.split('/');
    const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(address) && address.split('.').every((n) => Number(n) <= 255);
    const v6 = address.includes(':') && /^[0-9a-f:.]+$/i.test(address);
    const maxBits = v4 ? 32 : 128;
    if ((!v4 && !v6) || rest.length > 0 || (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > maxBits))) {
      throw new Error(`must be addresses or CIDR ranges separated by commas, got ${JSON.stringify(entry)}`);
    }
  }
  return entries;
}

export function loadGatewayConfig(env: Env = process.env) {
  return loadConfig(
    {
      service: custom('MICROSHOP_SERVICE_NAME', () => 'gateway'),
      port: int('PORT', { default: 8080, min: 0, max: 65535 }),
      host: str('HOST', { default: 'localhost' }),
      instanceId: str('MICROSHOP_INSTANCE_ID', { default: `gateway-${process.pid}`, pattern: /^[\w.-]{1,64}$/ }),
      logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
      upstreams: custom('MICROSHOP_UPSTREAMS', parseUpstreams),
      /** The keys that verify user tokens and the gateway's own credential for services' /internal routes. */
      trust: trustBundle(),
      serviceKey: serviceKey('gateway'),
      tls: custom('TLS_CERT', () => readTls(env)),
      upstreamTimeoutMs: int('GATEWAY_UPSTREAM_TIMEOUT_MS', { default: 10_000, min: 100, max: 600_000 }),
      connectTimeoutMs: int('GATEWAY_CONNECT_TIMEOUT_MS', { default: 500, min: 50, max: 60_000 }),
      rateLimit: oneOf('MICROSHOP_RATE_LIMIT', ['on', 'off'], 'on'),
      rateLimitPerIp: int('GATEWAY_RATE_LIMIT_IP', { default: 1_200, min: 1, max: 1_000_000 }),
      rateLimitPerUser: int('GATEWAY_RATE_LIMIT_USER', { default: 600, min: 1, max: 1_000_000 }),
      rateLimitSignIn: int('GATEWAY_RATE_LIMIT_SIGN_IN', { default: 30, min: 1, max: 1_000_000 }),
      corsOrigins: str('GATEWAY_CORS_ORIGINS', { default: '' }),
      trustedProxies: custom('GATEWAY_TRUSTED_PROXIES', parseTrustedProxies),
      healthIntervalMs: int('GATEWAY_HEALTH_INTERVAL_MS', { default: 1_000, min: 100, max: 60_000 }),
      /** How often the operations dashboard's traffic figures are sampled (tests shorten it). */
      sampleIntervalMs: int('GATEWAY_SAMPLE_INTERVAL_MS', { default: 2_000, min: 50, max: 60_000 }),
      webDir: custom('GATEWAY_WEB_DIR', (text) => resolve(text?.trim() || BUILT_WEB_DIR)),
      /** The built-in trace store's bounds: most spans kept, and for how long after a trace's last span. */
      tracesMaxSpans: int('GATEWAY_TRACES_MAX_SPANS', { default: 20_000, min: 100, max: 5_000_000 }),
      tracesMaxAgeMinutes: int('GATEWAY_TRACES_MAX_AGE_MINUTES', { default: 60, min: 1, max: 10_080 }),
      shutdownTimeoutMs: int('MICROSHOP_SHUTDOWN_TIMEOUT_MS', { default: 10_000, min: 0, max: 600_000 }),
    },
    env,
  );
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
