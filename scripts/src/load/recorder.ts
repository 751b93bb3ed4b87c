import * as hdr from 'hdr-histogram-js';
import { STEPS } from './options.js';

export type Step = (typeof STEPS)[number];

/** Latencies up to 10 minutes, in µs, 3 significant digits (hdr-histogram-js, pure JS). */
function histogram(): hdr.Histogram {
  return hdr.build({ bitBucketSize: 'packed', lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

/** One second of the run. */
export interface Second {
  at: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  arrived: number;
  active: number;
  confirmed: number;
}

interface Open {
  requests: number;
  errors: number;
  latency: hdr.Histogram;
  arrived: number;
  confirmed: number;
}

export interface StepSummary {
  step: Step;
  count: number;
  errors: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * What the shoppers did: a latency histogram and error count per step for the whole run, and a
 * timeline of one-second slots (requests, errors, p50/p99 of every request that second, shoppers
 * arrived and active, orders confirmed) for the live view and the report's charts.
 */
export class Recorder {
  readonly #steps = new Map<Step, { latency: hdr.Histogram; errors: number }>();
  readonly #reasons = new Map<string, number>();
  readonly timeline: Second[] = [];
  #open: Open = { requests: 0, errors: 0, latency: histogram(), arrived: 0, confirmed: 0 };
  #openedAt: number;
  arrived = 0;
  dropped = 0;
  active = 0;
  placed = 0;
  confirmed = 0;
  cancelled = 0;
  /** Orders still PENDING when the shopper stopped waiting. */
  unsettled = 0;

  constructor(private readonly startedAt = performance.now()) {
    this.#openedAt = startedAt;
    for (const step of STEPS) this.#steps.set(step, { latency: histogram(), errors: 0 });
  }

  record(step: Step, ms: number, error: string | undefined): void {
    const into = this.#steps.get(step);
    if (!into) return;
    const us = Math.max(1, Math.round(ms * 1000));
    into.latency.recordValue(us);
    this.#open.latency.recordValue(us);
    this.#open.requests++;
    if (error !== undefined) {
      into.errors++;
      this.#open.errors++;
      const why = `${step}: ${error}`;
      this.#reasons.set(why, (this.#reasons.get(why) ?? 0) + 1);
    }
  }

  shopperArrived(): void {
    this.arrived++;
    this.#open.arrived++;
  }

  orderConfirmed(): void {
    this.confirmed++;
    this.#open.confirmed++;
  }

  /** Closes the current second (called once a second). */
  tick(now = performance.now()): Second {
    const open = this.#open;
    const second: Second = {
      at: Math.round((this.#openedAt - this.startedAt) / 1000),
      requests: open.requests,
      errors: open.errors,
      p50: open.requests > 0 ? open.latency.getValueAtPercentile(50) / 1000 : 0,
      p99: open.requests > 0 ? open.latency.getValueAtPercentile(99) / 1000 : 0,
      arrived: open.arrived,
      active: this.active,
      confirmed: open.confirmed,
    };
    open.latency.destroy();
    this.timeline.push(second);
    this.#open = { requests: 0, errors: 0, latency: histogram(), arrived: 0, confirmed: 0 };
    this.#openedAt = now;
    return second;
  }

  steps(): StepSummary[] {
    return STEPS.map((step) => {
      const { latency, errors } = this.#steps.get(step) as { latency: hdr.Histogram; errors: number };
      const at = (p: number) => (latency.totalCount > 0 ? latency.getValueAtPercentile(p) / 1000 : 0);
      const max = latency.totalCount > 0 ? latency.maxValue / 1000 : 0;
      return { step, count: latency.totalCount, errors, p50: at(50), p90: at(90), p95: at(95), p99: at(99), max };
    });
  }

  /** Every request of the run together (one histogram of all steps). */
  overall(): StepSummary {
    const all = histogram();
    let errors = 0;
    for (const { latency, errors: e } of this.#steps.values()) {
      all.add(latency);
      errors += e;
    }
    const at = (p: number) => (all.totalCount > 0 ? all.getValueAtPercentile(p) / 1000 : 0);
    const summary: StepSummary = {
      step: 'browse',
      count: all.totalCount,
      errors,
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      max: all.totalCount > 0 ? all.maxValue / 1000 : 0,
    };
    all.destroy();
    return summary;
  }

  /** Why requests failed, most frequent first. */
  reasons(): Array<[string, number]> {
    return [...this.#reasons].sort((a, b) => b[1] - a[1]);
  }
}
