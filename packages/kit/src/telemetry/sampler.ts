import { type Attributes, type Context, createContextKey, type Link, type SpanKind } from '@opentelemetry/api';
import { ParentBasedSampler, type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from '../config.js';

/** Operations with a bucket of their own; the rest share one (a flood of odd paths cannot grow the map). */
const MAX_OPERATIONS = 256;
const OTHERS = '\u0000others';
/** A quiet operation may start this many traces at once before the rate applies. */
const MIN_BURST = 10;

/**
 * Set on the context a span starts in when its sampling was decided before (the gateway asks
 * `admit` first, so that a request it will not record costs no span at all).
 */
export const ADMITTED = createContextKey('microshop.sampling.admitted');

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Head sampling by rate, per operation (what Jaeger calls a per-operation rate limit): every
 * operation (`METHOD route` when the span names its `http.route`, else the span's name) starts at
 * most `perSecond` sampled traces a second in this process, after a burst of
 * max(perSecond, 10) (none at 0). Below that rate every trace is kept — a shopper clicking through the shop,
 * a test, an incident's first requests — and under load the cost of tracing stops growing with
 * the load while every operation stays represented.
 */
export class OperationRateSampler implements Sampler {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#perMs = perSecond / 1000;
    this.#burst = Math.max(perSecond, MIN_BURST);
  }

  shouldSample(context: Context, _traceId: string, spanName: string, _kind: SpanKind, attributes: Attributes, _links: Link[]): SamplingResult {
    if (context.getValue(ADMITTED) === true) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    const route = attributes['http.route'];
    const operation = typeof route === 'string' ? `${String(attributes['http.request.method'] ?? '')} ${route}` : spanName;
    return { decision: this.take(operation) ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  /** Whether `operation` may start a sampled trace now (taking its turn if so). */
  take(operation: string): boolean {
    if (this.perSecond <= 0) return false;
    const now = this.now();
    let bucket = this.#buckets.get(operation);
    if (!bucket) {
      const key = this.#buckets.size < MAX_OPERATIONS ? operation : OTHERS;
      bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  toString(): string {
    return `OperationRateSampler{${this.perSecond}/s per operation}`;
  }
}

export const DEFAULT_TRACES_PER_SECOND = 0.25;

/** MICROSHOP_TRACES_PER_SECOND: a number from 0 to 100000 (0: no new trace is sampled). */
export function tracesPerSecond(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_TRACES_PER_SECOND;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100_000) {
    throw new ConfigError([`MICROSHOP_TRACES_PER_SECOND must be a number from 0 to 100000 (got ${JSON.stringify(value)})`]);
  }
  return n;
}

/**
 * Microshop's default sampler: a trace's first span is sampled by OperationRateSampler, and every
 * later span follows its parent, so a trace is kept whole or not at all. At the edge (the gateway)
 * a client's sampling flag is not obeyed: the client's trace id is continued, but whether it is
 * recorded is the gateway's to decide, or any client could make every request as costly as it
 * likes.
 */
export function defaultSampler(root: OperationRateSampler, edge: boolean): Sampler {
  return new ParentBasedSampler(edge ? { root, remoteParentSampled: root, remoteParentNotSampled: root } : { root });
}
