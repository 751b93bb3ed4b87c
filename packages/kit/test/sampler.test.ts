import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { ADMITTED, DEFAULT_TRACES_PER_SECOND, defaultSampler, OperationRateSampler, tracesPerSecond } from '../src/telemetry/sampler.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const route = (method: string, path: string) => ({ 'http.request.method': method, 'http.route': path });

function clock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** How many of `n` root spans of one operation the sampler keeps, with no time passing. */
function kept(sampler: OperationRateSampler, n: number, attributes = route('GET', '/api/products/*')): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (sampler.shouldSample(ROOT_CONTEXT, TRACE, 'span', SpanKind.SERVER, attributes, []).decision === SamplingDecision.RECORD_AND_SAMPLED) count++;
  }
  return count;
}

describe('OperationRateSampler', () => {
  it('keeps a burst of max(rate, 10), then the rate, for each operation', () => {
    const time = clock();
    const sampler = new OperationRateSampler(5, time.now);
    assert.equal(kept(sampler, 50), 10, 'a quiet operation keeps its first ten at once');
    time.advance(1_000);
    assert.equal(kept(sampler, 50), 5, 'then five a second');
    time.advance(200);
    assert.equal(kept(sampler, 50), 1);
    time.advance(60_000);
    assert.equal(kept(sampler, 50), 10, 'an idle operation saves up to the burst, no more');
    assert.equal(kept(new OperationRateSampler(50, time.now), 500), 50, 'a rate above 10 is its own burst');
  });

  it('counts each operation apart: a busy one does not starve the others', () => {
    const time = clock();
    const sampler = new OperationRateSampler(1, time.now);
    assert.equal(kept(sampler, 100, route('GET', '/api/orders/*')), 10);
    assert.equal(kept(sampler, 100, route('GET', '/api/orders/*')), 0);
    assert.equal(kept(sampler, 1, route('POST', '/api/orders')), 1, 'a checkout is still traced');
    assert.equal(kept(sampler, 1, route('GET', '/api/orders')), 1, 'another method of the same route is another operation');
    // Without an http.route, the span's name is the operation.
    const byName = (name: string) => sampler.shouldSample(ROOT_CONTEXT, TRACE, name, SpanKind.CONSUMER, {}, []).decision;
    assert.equal(byName('process order.placed'), SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('shares one bucket among operations past the 256th, so odd paths cannot grow it without end', () => {
    const time = clock();
    const sampler = new OperationRateSampler(1, time.now);
    for (let i = 0; i < 256; i++) kept(sampler, 1, route('GET', `/op/${i}`));
    let overflow = 0;
    for (let i = 256; i < 1_256; i++) overflow += kept(sampler, 1, route('GET', `/op/${i}`));
    assert.equal(overflow, 10, 'the thousand new operations share one burst');
  });

  it('keeps a span whose sampling was decided before (ADMITTED), without taking a turn', () => {
    const time = clock();
    const sampler = new OperationRateSampler(1, time.now);
    const admitted = ROOT_CONTEXT.setValue(ADMITTED, true);
    for (let i = 0; i < 100; i++) {
      assert.equal(sampler.shouldSample(admitted, TRACE, 'span', SpanKind.SERVER, route('GET', '/x'), []).decision, SamplingDecision.RECORD_AND_SAMPLED);
    }
    assert.equal(kept(sampler, 100, route('GET', '/x')), 10, 'the operation still has its whole burst');
  });

  it('samples nothing new at 0 a second', () => {
    assert.equal(kept(new OperationRateSampler(0), 100), 0);
  });
});

describe('the default sampler', () => {
  const parent = (flags: number) => trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: '00f067aa0ba902b7', traceFlags: flags, isRemote: true });
  const decide = (edge: boolean, flags: number, sampler = defaultSampler(new OperationRateSampler(1, clock().now), edge)) =>
    sampler.shouldSample(parent(flags), TRACE, 'GET /x', SpanKind.SERVER, route('GET', '/x'), []).decision;

  it('follows the caller in a service: a sampled trace is kept whole, an unsampled one stays unsampled', () => {
    const sampler = defaultSampler(new OperationRateSampler(1, clock().now), false);
    for (let i = 0; i < 50; i++) assert.equal(decide(false, TraceFlags.SAMPLED, sampler), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(false, TraceFlags.NONE), SamplingDecision.NOT_RECORD);
  });

  it('at the edge, decides for itself whatever the client’s flag says', () => {
    const sampler = defaultSampler(new OperationRateSampler(1, clock().now), true);
    let sampled = 0;
    for (let i = 0; i < 50; i++) if (decide(true, TraceFlags.SAMPLED, sampler) === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
    assert.equal(sampled, 10, 'a client that flags every request sampled gets the rate, not all of them');
    assert.equal(decide(true, TraceFlags.NONE), SamplingDecision.RECORD_AND_SAMPLED, 'and one that flags none is still traced within the rate');
  });
});

describe('MICROSHOP_TRACES_PER_SECOND', () => {
  it('accepts 0 to 100000, defaults to 0.25, and refuses anything else by name', () => {
    assert.equal(tracesPerSecond(undefined), DEFAULT_TRACES_PER_SECOND);
    assert.equal(DEFAULT_TRACES_PER_SECOND, 0.25);
    assert.equal(tracesPerSecond(''), 0.25);
    assert.equal(tracesPerSecond('0'), 0);
    assert.equal(tracesPerSecond('0.5'), 0.5);
    assert.equal(tracesPerSecond('100000'), 100_000);
    for (const bad of ['-1', 'many', '100001', 'Infinity', 'NaN']) {
      assert.throws(() => tracesPerSecond(bad), /MICROSHOP_TRACES_PER_SECOND must be a number from 0 to 100000/);
    }
  });
});
