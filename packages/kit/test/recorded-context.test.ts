import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { RecordedContextManager } from '../src/telemetry/recorded-context.js';

const manager = new RecordedContextManager();
context.setGlobalContextManager(manager);
after(() => context.disable());

const recorded = new BasicTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [manager.processor] }).getTracer('test');
const unrecorded = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [manager.processor] }).getTracer('test');
const callerContext = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE });

const activeSpanId = () => trace.getSpanContext(context.active())?.spanId;

describe('RecordedContextManager', () => {
  it('follows an unrecorded context only synchronously, and turns no hook on for it', async () => {
    const seen = await context.with(callerContext, async () => {
      const before = activeSpanId();
      await nextTurn();
      return { before, after: activeSpanId() };
    });
    assert.equal(seen.before, '00f067aa0ba902b7', 'inside `with`, the caller’s context is active');
    assert.equal(seen.after, undefined, 'after an await it is not: nothing follows it');
    const span = unrecorded.startSpan('not recorded');
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => span.end());
    assert.equal(manager.following, false, 'no AsyncLocalStorage for spans that are not recorded');
    assert.equal(activeSpanId(), undefined, 'outside, the root context again');
  });

  it('follows a recorded span across awaits while one is open, then turns itself off', async () => {
    const span = recorded.startSpan('recorded');
    const spanId = span.spanContext().spanId;
    const seen = await context.with(trace.setSpan(ROOT_CONTEXT, span), async () => {
      await nextTurn();
      const child = recorded.startSpan('child');
      const childParent = (child as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;
      // Inside a recorded trace, an unrecorded context entered later is followed too.
      const nested = await context.with(callerContext, async () => {
        await nextTurn();
        return activeSpanId();
      });
      child.end();
      const after = activeSpanId();
      return { childParent, nested, after };
    });
    assert.equal(seen.childParent, spanId, 'a span started after an await is the recorded span’s child');
    assert.equal(seen.nested, '00f067aa0ba902b7');
    assert.equal(seen.after, spanId, 'the recorded span is active again after the nested `with`');
    assert.equal(manager.following, true, 'on while the span is open');
    span.end();
    await nextTurn();
    await nextTurn();
    assert.equal(manager.following, false, 'off once no recorded span is open');
    assert.equal(activeSpanId(), undefined);
  });

  it('stays on while any recorded span is open, and binds callbacks to their context', async () => {
    const first = recorded.startSpan('first');
    const second = recorded.startSpan('second');
    context.with(trace.setSpan(ROOT_CONTEXT, first), () => {});
    first.end();
    await nextTurn();
    await nextTurn();
    assert.equal(manager.following, true, 'the second span is still open');
    const bound = context.bind(trace.setSpan(ROOT_CONTEXT, second), () => activeSpanId());
    assert.equal(await new Promise((resolve) => setTimeout(() => resolve(bound()), 1)), second.spanContext().spanId);
    second.end();
    await nextTurn();
    await nextTurn();
    assert.equal(manager.following, false);
  });
});
