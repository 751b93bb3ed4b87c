import { readFileSync } from 'node:fs';
import { MAX_INSTANCES } from './config.js';

/** `catalog=1-4,orders=1-3` → bounds per service (MICROSHOP_AUTOSCALE, SPEC §5c). */
export interface Bounds {
  min: number;
  max: number;
}

export function parseAutoscale(text: string | undefined, services: readonly string[]): Record<string, Bounds> {
  const bounds: Record<string, Bounds> = {};
  if (text === undefined || text.trim() === '') return bounds;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z][a-z0-9-]*)=(\d+)-(\d+)$/.exec(part);
    if (!match) throw new Error(`must look like catalog=1-4,orders=1-3; got ${JSON.stringify(part)}`);
    const [, name = '', low = '', high = ''] = match;
    if (!services.includes(name)) throw new Error(`names an unknown service ${JSON.stringify(name)} (known: ${services.join(', ')})`);
    const min = Number(low);
    const max = Number(high);
    if (min < 1 || max > MAX_INSTANCES || min > max) throw new Error(`wants 1 <= min <= max <= ${MAX_INSTANCES} for ${name}, got ${min}-${max}`);
    bounds[name] = { min, max };
  }
  return bounds;
}

/** One service's signals over the last interval. */
export interface Signals {
  instances: number;
  /** Mean CPU of its instances, in cores (1 = one core fully busy), from /proc. */
  cpu: number;
  /** Requests the gateway had in flight to it, per instance, and its p95 latency there (ms; null: no traffic). */
  inflight: number;
  p95Ms: number | null;
  /** Events waiting for its consumers (microshop_bus_consumer_pending), when it has any. */
  backlog: number;
}

export interface Decision {
  at: string;
  service: string;
  from: number;
  to: number;
  reason: string;
}

export interface AutoscalerOptions {
  /** Mean CPU per instance above which it is overloaded, and the level a scale-out aims for. */
  cpuHigh: number;
  /** Scale in only when the load would sit below this on one instance fewer. */
  cpuLow: number;
  inflightHigh: number;
  p95HighMs: number;
  backlogHigh: number;
  /** Overloaded this many readings in a row before a scale-out. */
  sustained: number;
  /** After any change, and of quiet, before a scale-in (at most 2 minutes, SPEC's issue). */
  cooldownMs: number;
  /** After a scale-out, before another (the new instance takes its share first). */
  settleMs: number;
}

export const DEFAULT_AUTOSCALER: AutoscalerOptions = {
  cpuHigh: 0.6,
  cpuLow: 0.35,
  inflightHigh: 16,
  p95HighMs: 1_000,
  backlogHigh: 200,
  sustained: 2,
  cooldownMs: 60_000,
  settleMs: 10_000,
};

interface State {
  hot: number;
  quietSince: number | undefined;
  changedAt: number;
}

/**
 * Decides instance counts from each service's signals, one reading at a time: out by as many as
 * bring mean CPU to `cpuHigh` (at least one) once overloaded `sustained` readings in a row (CPU,
 * requests queued at the gateway, p95, or consumer backlog), no sooner than `settleMs` after the
 * last scale-out; in by one once the load would fit on one instance fewer under `cpuLow` and has
 * for `cooldownMs`, and `cooldownMs` after any change. The gap between the two thresholds and the
 * cooldown keep it from flapping; the bounds are never crossed.
 */
export class Autoscaler {
  readonly #state = new Map<string, State>();

  constructor(
    readonly bounds: Readonly<Record<string, Bounds>>,
    private readonly options: AutoscalerOptions = DEFAULT_AUTOSCALER,
  ) {}

  /** The instance count `service` should have now, with why, or undefined to leave it. */
  decide(service: string, signals: Signals, now: number): { to: number; reason: string } | undefined {
    const bounds = this.bounds[service];
    if (!bounds) return undefined;
    const o = this.options;
    const n = signals.instances;
    const state = this.#state.get(service) ?? { hot: 0, quietSince: undefined, changedAt: -Infinity };
    this.#state.set(service, state);
    const clamp = (count: number) => Math.min(bounds.max, Math.max(bounds.min, count));
    if (n < bounds.min || n > bounds.max) return this.#change(state, now, clamp(n), `outside its bounds ${bounds.min}-${bounds.max}`);

    const why: string[] = [];
    if (signals.cpu > o.cpuHigh) why.push(`CPU ${pct(signals.cpu)} per instance > ${pct(o.cpuHigh)}`);
    if (signals.inflight > o.inflightHigh) why.push(`${signals.inflight.toFixed(0)} requests in flight per instance > ${o.inflightHigh}`);
    if (signals.p95Ms !== null && signals.p95Ms > o.p95HighMs) why.push(`p95 ${signals.p95Ms.toFixed(0)} ms > ${o.p95HighMs} ms`);
    if (signals.backlog > o.backlogHigh) why.push(`${signals.backlog} events waiting > ${o.backlogHigh}`);
    if (why.length > 0) {
      state.quietSince = undefined;
      state.hot++;
      if (state.hot < o.sustained || n >= bounds.max || now - state.changedAt < o.settleMs) return undefined;
      const byCpu = Math.ceil((n * signals.cpu) / o.cpuHigh);
      return this.#change(state, now, clamp(Math.max(n + 1, byCpu)), `${why.join(', ')} for ${state.hot} readings`);
    }
    state.hot = 0;
    // Quiet: the same load on one instance fewer would stay under the low mark, and nothing queues.
    const fits = (signals.cpu * n) / (n - 1) < o.cpuLow;
    const quiet = n > bounds.min && fits && signals.inflight * n < o.inflightHigh / 2 && signals.backlog < o.backlogHigh / 4;
    if (!quiet) {
      state.quietSince = undefined;
      return undefined;
    }
    state.quietSince ??= now;
    if (now - state.quietSince < o.cooldownMs || now - state.changedAt < o.cooldownMs) return undefined;
    return this.#change(state, now, n - 1, `quiet for ${Math.round((now - state.quietSince) / 1000)} s (CPU ${pct(signals.cpu)} per instance)`);
  }

  #change(state: State, now: number, to: number, reason: string): { to: number; reason: string } {
    state.changedAt = now;
    state.hot = 0;
    state.quietSince = undefined;
    return { to, reason };
  }
}

const pct = (cores: number) => `${Math.round(cores * 100)}%`;

/** A process's CPU time (user + system) in ms from /proc, or undefined when it cannot be read. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** The sum of `microshop_bus_consumer_pending` in a Prometheus text page. */
export function pendingIn(metrics: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('microshop_bus_consumer_pending')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}
