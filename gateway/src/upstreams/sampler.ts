import type { operations } from '@microshop/contracts';
import type { UpstreamMetrics } from './metrics.js';
import type { Instance, Upstreams } from '@microshop/kit';

/** Points kept per service: five minutes at the default 2 s interval. */
export const HISTORY_POINTS = 150;

/** One service's traffic over one interval, as the dashboard's contract has it. */
export type Point = operations.TrafficPoint;

export interface Rates {
  requestsPerSecond: number;
  errorRate: number;
}

interface Counts {
  requests: number;
  failures: number;
}

/** Cumulative bucket counts of one service's latency histogram: upper bound in seconds (Infinity last) to count. */
type Buckets = Map<number, number>;

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function ratesOf(delta: Counts, seconds: number): Rates {
  return {
    requestsPerSecond: seconds > 0 ? round(delta.requests / seconds, 2) : 0,
    errorRate: delta.requests > 0 ? round(delta.failures / delta.requests, 4) : 0,
  };
}

/**
 * The 95th percentile in ms of what a histogram counted between two readings, from the deltas of
 * its cumulative buckets (ascending bounds in seconds, Infinity last). Interpolated linearly inside
 * the bucket the rank falls in, as Prometheus's histogram_quantile does: with these fine buckets
 * that is closer than the bucket's upper bound. Past the last finite bound, that bound. Null when
 * nothing was counted.
 */
export function p95Ms(buckets: ReadonlyArray<readonly [bound: number, cumulative: number]>): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = 0.95 * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    // count >= rank > lowerCount here, so the division is safe.
    if (count >= rank) {
      const seconds = bound === Infinity ? lowerBound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
      return round(seconds * 1000, 1);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return null;
}

/** Per service, the cumulative bucket counts the latency histogram holds now. */
async function readBuckets(duration: UpstreamMetrics['duration']): Promise<Map<string, Buckets>> {
  const byService = new Map<string, Buckets>();
  for (const { metricName, labels, value } of (await duration.get()).values) {
    if (!metricName?.endsWith('_bucket')) continue;
    const { service, le } = labels as { service?: string; le?: string | number };
    if (service === undefined || le === undefined) continue;
    let buckets = byService.get(service);
    if (!buckets) byService.set(service, (buckets = new Map()));
    buckets.set(le === '+Inf' ? Infinity : Number(le), value);
  }
  return byService;
}

/** What `now` counted since `before`, bucket by bucket, in ascending order of bounds. */
function bucketDeltas(now: Buckets | undefined, before: Buckets | undefined): Array<[number, number]> {
  return [...(now ?? [])].sort(([a], [b]) => a - b).map(([bound, count]) => [bound, count - (before?.get(bound) ?? 0)]);
}

/**
 * The operations dashboard's traffic figures: every interval, requests per second and error rate
 * per service and instance (from the instances' counters, which proxy.ts increments) and the p95
 * latency per service (from the buckets of gateway_upstream_duration_seconds). A service's figures
 * are its instances' summed, so a retry on a second instance counts as two requests; an instance
 * that left the pool takes its last interval's counts with it.
 */
export class TrafficSampler {
  readonly #history = new Map<string, Point[]>();
  readonly #seen = new WeakMap<Instance, Counts>();
  readonly #rates = new WeakMap<Instance, Rates>();
  #buckets = new Map<string, Buckets>();
  #sampledAt = performance.now();
  #timer: NodeJS.Timeout | undefined;
  /** Called after every sample (the runner's autoscaler hears of it, signals.ts). */
  readonly listeners: Array<() => void> = [];

  constructor(
    private readonly upstreams: Upstreams,
    private readonly duration: UpstreamMetrics['duration'],
    readonly intervalMs: number,
  ) {}

  /** The service's points, oldest first (at most HISTORY_POINTS). */
  history(service: string): Point[] {
    return [...(this.#history.get(service) ?? [])];
  }

  latest(service: string): Point | undefined {
    return this.#history.get(service)?.at(-1);
  }

  /** The instance's rates over the last interval; zero before its first. */
  rates(instance: Instance): Rates {
    return this.#rates.get(instance) ?? { requestsPerSecond: 0, errorRate: 0 };
  }

  /** Takes one point per service: what happened since the previous one. */
  async sample(): Promise<void> {
    const buckets = await readBuckets(this.duration);
    // Counters and clock are read together, with no await in between, so rates match the interval.
    const now = performance.now();
    const seconds = (now - this.#sampledAt) / 1000;
    this.#sampledAt = now;
    for (const pool of this.upstreams.pools.values()) {
      const total: Counts = { requests: 0, failures: 0 };
      for (const instance of pool.instances) {
        const delta = this.#delta(instance);
        total.requests += delta.requests;
        total.failures += delta.failures;
        this.#rates.set(instance, ratesOf(delta, seconds));
      }
      const { requestsPerSecond, errorRate } = ratesOf(total, seconds);
      const p95 = p95Ms(bucketDeltas(buckets.get(pool.name), this.#buckets.get(pool.name)));
      this.#push(pool.name, { t: Date.now(), rps: requestsPerSecond, errorRate, p95Ms: p95 });
    }
    this.#buckets = buckets;
    for (const listener of this.listeners) listener();
  }

  /** The instance's counts since the previous sample (a new instance's counters start at zero). */
  #delta(instance: Instance): Counts {
    const before = this.#seen.get(instance) ?? { requests: 0, failures: 0 };
    this.#seen.set(instance, { requests: instance.requests, failures: instance.failures });
    return { requests: instance.requests - before.requests, failures: instance.failures - before.failures };
  }

  #push(service: string, point: Point): void {
    let points = this.#history.get(service);
    if (!points) this.#history.set(service, (points = []));
    points.push(point);
    if (points.length > HISTORY_POINTS) points.shift();
  }

  /** Samples every interval until stop(); the timer does not keep the process alive. */
  start(): void {
    const tick = () => {
      // A failed reading skips one point; the next one covers both intervals.
      void this.sample()
        .catch(() => {})
        .finally(() => {
          if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.#timer = setTimeout(tick, this.intervalMs).unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
