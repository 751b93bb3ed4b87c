/**
 * `npm run load -- --url <base> --duration 30s --rate 2 [--rate 1-10 ramps] [--slo "p99<1500,errors<1%"]
 * [--report load-report.html] [--max-shoppers 500]`: what the shopper load generator is asked to do.
 */

export interface Slo {
  /** As written, for the summary (`checkout.p99<2000`). */
  text: string;
  /** A step's name, or undefined for every request. */
  step: string | undefined;
  metric: 'p50' | 'p90' | 'p95' | 'p99' | 'max' | 'errors' | 'confirmed';
  op: '<' | '<=' | '>' | '>=';
  /** ms for latencies, a fraction (0..1) for errors and confirmed. */
  value: number;
}

export interface LoadOptions {
  url: string;
  durationMs: number;
  /** New shoppers a second at the start and at the end (equal unless ramped). */
  rateFrom: number;
  rateTo: number;
  slos: Slo[];
  report: string;
  maxShoppers: number;
  /** How long shoppers still under way at the end may take to finish before they are abandoned. */
  graceMs: number;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run load -- --url <base URL> --duration <e.g. 30s, 2m> --rate <shoppers/s, or from-to to ramp, e.g. 1-10>
       [--slo "<[step.]p50|p90|p95|p99|max><ms | errors<percent | confirmed>percent, ...>"] [--report <file.html>]
       [--max-shoppers <n, default 500>] [--grace <e.g. 30s>]
steps: browse, search, product, register, cart, checkout, confirmed (place order -> final status)`;

/** `500ms`, `30s`, `2m`, `1h`; a bare number is seconds. */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${what} must be a duration such as 30s, 2m or 500ms (got ${JSON.stringify(text)})`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  if (ms <= 0) throw new UsageError(`${what} must be more than zero (got ${JSON.stringify(text)})`);
  return ms;
}

const SLO = /^(?:([a-z]+)\.)?(p50|p90|p95|p99|max|errors|confirmed)\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|%)?$/;
export const STEPS = ['browse', 'search', 'product', 'register', 'cart', 'checkout', 'confirmed'] as const;

export function parseSlos(text: string): Slo[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = SLO.exec(part);
      if (!match) throw new UsageError(`--slo: ${JSON.stringify(part)} should look like p99<1500, checkout.p95<3000ms, errors<1% or confirmed>95%`);
      const [, step, metric = '', op = '', number = '', unit] = match;
      if (step !== undefined && !(STEPS as readonly string[]).includes(step)) {
        throw new UsageError(`--slo: no step called ${JSON.stringify(step)} (steps: ${STEPS.join(', ')})`);
      }
      const ratio = metric === 'errors' || metric === 'confirmed';
      if (ratio && step !== undefined) throw new UsageError(`--slo: ${metric} is for the whole run, not one step (${JSON.stringify(part)})`);
      if (ratio && unit !== undefined && unit !== '%') throw new UsageError(`--slo: ${metric} is a percentage or a fraction (${JSON.stringify(part)})`);
      if (!ratio && unit === '%') throw new UsageError(`--slo: ${metric} is a time in ms or s (${JSON.stringify(part)})`);
      let value = Number(number);
      if (ratio) value = unit === '%' ? value / 100 : value;
      else if (unit === 's') value *= 1_000;
      if (ratio && value > 1) throw new UsageError(`--slo: ${metric} cannot be over 100% (${JSON.stringify(part)})`);
      return { text: part, step, metric: metric as Slo['metric'], op: op as Slo['op'], value };
    });
}

export function parseOptions(argv: readonly string[]): LoadOptions {
  const given = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const [name, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (!['--url', '--duration', '--rate', '--slo', '--report', '--max-shoppers', '--grace'].includes(name)) {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    given.set(name, [...(given.get(name) ?? []), value]);
  }
  const one = (name: string): string | undefined => given.get(name)?.at(-1);
  const url = one('--url');
  if (!url) throw new UsageError('--url is required (the shop to load, e.g. http://localhost:8080)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL (got ${JSON.stringify(url)})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL (got ${JSON.stringify(url)})`);
  const duration = one('--duration');
  if (!duration) throw new UsageError('--duration is required (e.g. 30s)');
  const rate = one('--rate');
  if (!rate) throw new UsageError('--rate is required (new shoppers a second, e.g. 2, or 1-10 to ramp)');
  const rateMatch = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(rate.trim());
  if (!rateMatch) throw new UsageError(`--rate must be a number or a ramp such as 1-10 (got ${JSON.stringify(rate)})`);
  const rateFrom = Number(rateMatch[1]);
  const rateTo = rateMatch[2] === undefined ? rateFrom : Number(rateMatch[2]);
  if (rateFrom > 1_000 || rateTo > 1_000 || (rateFrom === 0 && rateTo === 0)) {
    throw new UsageError(`--rate must be above 0 and at most 1000 shoppers a second (got ${JSON.stringify(rate)})`);
  }
  const maxShoppers = Number(one('--max-shoppers') ?? 500);
  if (!Number.isInteger(maxShoppers) || maxShoppers < 1 || maxShoppers > 100_000) {
    throw new UsageError(`--max-shoppers must be a whole number from 1 to 100000 (got ${JSON.stringify(one('--max-shoppers'))})`);
  }
  return {
    url: parsed.href.replace(/\/+$/, ''),
    durationMs: parseDuration(duration, '--duration'),
    rateFrom,
    rateTo,
    slos: (given.get('--slo') ?? []).flatMap(parseSlos),
    report: one('--report') ?? 'load-report.html',
    maxShoppers,
    graceMs: parseDuration(one('--grace') ?? '30s', '--grace'),
  };
}
