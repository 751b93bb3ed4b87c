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

/** Points of the same moment from several gateway processes: requests summed, errors weighted, the highest p95. */
function combine(points: readonly Point[]): Point {
  const first = points[0] as Point;
  let rps = 0;
  let failing = 0;
  let p95: number | null = null;
  for (const p of points) {
    rps += p.rps;
    failing += p.rps * p.errorRate;
    if (p.p95Ms !== null) p95 = p95 === null ? p.p95Ms : Math.max(p95, p.p95Ms);
  }
  return { t: first.t, rps: round(rps, 2), errorRate: rps > 0 ? round(failing / rps, 4) : 0, p95Ms: p95 };
}

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

  /**
   * The other gateway processes' points and instance rates (cluster.ts), by process: with several
   * gateway processes on one port each sees its share of the traffic, and /ops shows the sum.
   */
  readonly #peers = new Map<number, { points: Map<string, Point[]>; rates: Map<string, Rates>; at: number }>();

  /** The service's points, oldest first (at most HISTORY_POINTS), the other gateway processes' added. */
  history(service: string): Point[] {
    const own = [...(this.#history.get(service) ?? [])];
    const peers = this.#livePeers();
    if (peers.length === 0) return own;
    // The processes sample on the same interval: their k-th latest points are the same moment.
    return own.map((point, i) => {
      const fromEnd = own.length - i;
      return combine([point, ...peers.map((p) => p.points.get(service)?.at(-fromEnd)).filter((x): x is Point => x !== undefined)]);
    });
  }

  latest(service: string): Point | undefined {
    return this.history(service).at(-1);
  }

  /** This process's own latest point (what it reports to the runner, which adds the processes up). */
  ownLatest(service: string): Point | undefined {
    return this.#history.get(service)?.at(-1);
  }

  /** The instance's rates over the last interval, the other gateway processes' added; zero before its first. */
  rates(instance: Instance): Rates {
    const own = this.#rates.get(instance) ?? { requestsPerSecond: 0, errorRate: 0 };
    const peers = this.#livePeers();
    if (peers.length === 0) return own;
    let rps = own.requestsPerSecond;
    let failing = own.requestsPerSecond * own.errorRate;
    for (const peer of peers) {
      const theirs = peer.rates.get(instance.url);
      if (!theirs) continue;
      rps += theirs.requestsPerSecond;
      failing += theirs.requestsPerSecond * theirs.errorRate;
    }
    return { requestsPerSecond: round(rps, 2), errorRate: rps > 0 ? round(failing / rps, 4) : 0 };
  }

  /** What this process sampled last, for the other gateway processes. */
  lastSample(): { points: Record<string, Point>; rates: Record<string, Rates> } {
    const points: Record<string, Point> = {};
    const rates: Record<string, Rates> = {};
    for (const pool of this.upstreams.pools.values()) {
      const point = this.#history.get(pool.name)?.at(-1);
      if (point) points[pool.name] = point;
      for (const instance of pool.instances) {
        const r = this.#rates.get(instance);
        if (r) rates[instance.url] = r;
      }
    }
    return { points, rates };
  }

  /** Another gateway process's latest sample (lastSample() there). */
  addPeerSample(from: number, payload: unknown): void {
    const { points, rates } = (payload ?? {}) as { points?: Record<string, Point>; rates?: Record<string, Rates> };
    if (typeof points !== 'object' || points === null || typeof rates !== 'object' || rates === null) return;
    const peer = this.#peers.get(from) ?? { points: new Map<string, Point[]>(), rates: new Map<string, Rates>(), at: 0 };
    this.#peers.set(from, peer);
    peer.at = performance.now();
    for (const [service, point] of Object.entries(points)) {
      const list = peer.points.get(service) ?? [];
      list.push(point);
      if (list.length > HISTORY_POINTS) list.shift();
      peer.points.set(service, list);
    }
    peer.rates = new Map(Object.entries(rates));
  }

  /** Peers heard from within three intervals (a process that stopped is forgotten). */
  #livePeers() {
    const now = performance.now();
    for (const [pid, peer] of this.#peers) if (now - peer.at > 3 * this.intervalMs) this.#peers.delete(pid);
    return [...this.#peers.values()];
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
