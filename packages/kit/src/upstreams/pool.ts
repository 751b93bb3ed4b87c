import type { FastifyBaseLogger } from 'fastify';
import { request } from 'undici';

export interface Instance {
  readonly id: string;
  readonly url: string;
  healthy: boolean;
  inflight: number;
  /** Why it was last marked down, for the status page and logs. */
  reason: string | undefined;
  /** The process id its /readyz last reported. */
  pid: number | undefined;
  /** Requests forwarded to it, and those that failed (5xx, no connection, timeout), since it joined; the sampler takes rates from them. */
  requests: number;
  failures: number;
  /** Answers (of any status) it gave to forwarded requests and calls: proof that it is alive while its checks time out. */
  answered: number;
  /** The last answers' latencies in ms, a ring (the gateway records them for a canary's analysis). */
  recent: Float64Array;
  recentNext: number;
}

/** Latencies kept per instance for its p95: enough for a percentile, little to keep. */
const RECENT = 512;

/** Records one answer's latency in the instance's ring. */
export function recordLatency(instance: Instance, ms: number): void {
  instance.recent[instance.recentNext % RECENT] = ms;
  instance.recentNext++;
}

/** The 95th percentile of the instance's last answers (at most 512), or null before its first. */
export function recentP95(instance: Instance): number | null {
  const count = Math.min(instance.recentNext, RECENT);
  if (count === 0) return null;
  const sorted = instance.recent.slice(0, count).sort();
  return Math.round((sorted[Math.min(count - 1, Math.floor(count * 0.95))] ?? 0) * 10) / 10;
}

/** A release on trial: this share of the service's requests go to the instance at `url` (the runner's `deploy`). */
export interface Canary {
  url: string;
  percent: number;
}

/** The instances of one service and which of them may take traffic now. */
export class ServicePool {
  /** Replaced as a whole when the list changes: a request already holding an instance keeps it. */
  instances: readonly Instance[] = [];
  /** A canary instance and its share of the traffic, while a release is on trial. */
  canary: Canary | undefined;
  #made = 0;

  constructor(
    readonly name: string,
    urls: readonly string[],
  ) {
    this.setUrls(urls);
  }

  /**
   * Makes the pool these URLs: instances at URLs it already has stay as they are (health, load),
   * new ones join unchecked (they take traffic once their first check passes), missing ones leave.
   * Returns the instances that joined.
   */
  setUrls(urls: readonly string[]): Instance[] {
    const current = new Map(this.instances.map((i) => [i.url, i]));
    const joined: Instance[] = [];
    this.instances = [...new Set(urls)].map((url) => {
      const kept = current.get(url);
      if (kept) return kept;
      const made: Instance = {
        id: `${this.name}-${++this.#made}`,
        url,
        healthy: false,
        inflight: 0,
        reason: 'not checked yet',
        pid: undefined,
        requests: 0,
        failures: 0,
        answered: 0,
        recent: new Float64Array(RECENT),
        recentNext: 0,
      };
      joined.push(made);
      return made;
    });
    return joined;
  }

  /**
   * Power of two choices: of two healthy instances picked at random (other than `exclude`), the
   * one with fewer requests in flight. Near-optimal spreading without global state.
   */
  pick(exclude?: Instance): Instance | undefined {
    const canary = this.canary;
    if (canary) return this.#pickWithCanary(canary, exclude);
    return this.#pickOf(exclude);
  }

  /** The canary for its share of requests (when healthy), else one of the others as usual. */
  #pickWithCanary(canary: Canary, exclude: Instance | undefined): Instance | undefined {
    const trial = this.instances.find((i) => i.url === canary.url);
    if (!trial || !trial.healthy || trial === exclude) return this.#pickOf(exclude);
    if (Math.random() * 100 < canary.percent) return trial;
    return this.#pickOf(exclude, trial) ?? trial;
  }

  #pickOf(exclude?: Instance, alsoExclude?: Instance): Instance | undefined {
    let first: Instance | undefined;
    let second: Instance | undefined;
    let seen = 0;
    // One pass of reservoir sampling picks two distinct healthy instances uniformly.
    for (const candidate of this.instances) {
      if (!candidate.healthy || candidate === exclude || candidate === alsoExclude) continue;
      seen++;
      if (seen === 1) first = candidate;
      else if (seen === 2) second = candidate;
      else {
        const slot = Math.floor(Math.random() * seen);
        if (slot === 0) first = candidate;
        else if (slot === 1) second = candidate;
      }
    }
    if (!second) return first;
    if (!first) return second;
    if (first.inflight === second.inflight) return Math.random() < 0.5 ? first : second;
    return first.inflight < second.inflight ? first : second;
  }

  healthyCount(): number {
    return this.instances.filter((i) => i.healthy).length;
  }
}

const DOWN_CHECK_INTERVAL_MS = 250;

/** A check given up for its time limit (the abort signal's, or undici's wait for headers or body). */
function isTimeout(error: unknown): boolean {
  const { name, code } = error as { name?: string; code?: string };
  return name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/** Every service's pool, kept current by active checks of `/readyz` and passive failure reports. */
export class Upstreams {
  readonly pools = new Map<string, ServicePool>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    config: Readonly<Record<string, readonly string[]>>,
    private readonly log: FastifyBaseLogger,
    private readonly checkTimeoutMs = 800,
  ) {
    for (const [name, urls] of Object.entries(config)) this.pools.set(name, new ServicePool(name, urls));
  }

  /**
   * A new list of instances per service (the runner scaled something): instances that joined are
   * checked at once, and those that left get no new requests. A service missing from the list
   * keeps its instances.
   */
  update(config: Readonly<Record<string, readonly string[]>>): void {
    const joined: Array<[ServicePool, Instance]> = [];
    for (const [name, urls] of Object.entries(config)) {
      let pool = this.pools.get(name);
      if (!pool) {
        pool = new ServicePool(name, []);
        this.pools.set(name, pool);
      }
      const before = pool.instances.map((i) => i.id);
      for (const instance of pool.setUrls(urls)) joined.push([pool, instance]);
      const after = pool.instances.map((i) => i.id);
      if (before.join() !== after.join()) this.log.info({ upstream: name, instances: pool.instances.map((i) => `${i.id} ${i.url}`) }, 'instance list changed');
    }
    for (const [pool, instance] of joined) void this.#check(pool, instance);
  }

  pool(service: string): ServicePool | undefined {
    return this.pools.get(service);
  }

  /** The canaries now on trial, by service (none named: none). */
  setCanaries(canaries: Readonly<Record<string, Canary>>): void {
    for (const pool of this.pools.values()) {
      const canary = canaries[pool.name];
      pool.canary = canary ? { url: canary.url, percent: Math.min(100, Math.max(0, canary.percent)) } : undefined;
    }
  }

  markDown(pool: ServicePool, instance: Instance, reason: string): void {
    if (instance.healthy)
      this.log.warn({ upstream: pool.name, upstreamInstance: instance.id, url: instance.url, reason }, 'instance marked down');
    instance.healthy = false;
    instance.reason = reason;
  }

  #markUp(pool: ServicePool, instance: Instance): void {
    if (!instance.healthy) this.log.info({ upstream: pool.name, upstreamInstance: instance.id, url: instance.url }, 'instance healthy');
    instance.healthy = true;
    instance.reason = undefined;
  }

  async #check(pool: ServicePool, instance: Instance): Promise<void> {
    const answeredBefore = instance.answered;
    try {
      const response = await request(`${instance.url}/readyz`, {
        headersTimeout: this.checkTimeoutMs,
        bodyTimeout: this.checkTimeoutMs,
        signal: AbortSignal.timeout(this.checkTimeoutMs),
      });
      const body = (await response.body.json().catch(() => ({}))) as { pid?: unknown };
      if (typeof body.pid === 'number') instance.pid = body.pid;
      if (response.statusCode === 200) this.#markUp(pool, instance);
      else this.markDown(pool, instance, `readyz answered ${response.statusCode}`);
    } catch (error) {
      // A check that timed out behind the requests of a busy instance, which kept answering them
      // meanwhile, says it is busy, not down: marking the only instance of a service down under
      // load would turn slow answers into 503s for everybody.
      if (instance.healthy && instance.answered > answeredBefore && isTimeout(error)) {
        this.log.debug({ upstream: pool.name, upstreamInstance: instance.id }, 'readyz timed out on a busy instance that keeps answering');
        return;
      }
      this.markDown(pool, instance, `readyz failed: ${(error as Error).message}`);
    }
  }

  /** Checks every instance once, all in parallel. */
  checkAll(): Promise<void> {
    this.#running ??= Promise.all(
      [...this.pools.values()].flatMap((pool) => pool.instances.map((instance) => this.#check(pool, instance))),
    ).then(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Checks every `intervalMs`; while any instance is down, every quarter second so it rejoins fast. */
  start(intervalMs: number): void {
    const tick = () => {
      void this.checkAll().finally(() => {
        const anyDown = [...this.pools.values()].some((pool) => pool.instances.some((i) => !i.healthy));
        const delay = anyDown ? Math.min(intervalMs, DOWN_CHECK_INTERVAL_MS) : intervalMs;
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, delay).unref();
      });
    };
    this.#timer = setTimeout(tick, Math.min(intervalMs, DOWN_CHECK_INTERVAL_MS)).unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
