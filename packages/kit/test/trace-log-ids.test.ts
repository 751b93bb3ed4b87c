import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { propagation } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { bindTraceIds, loggerOptions } from '../src/logger.js';
import { installServerSpans } from '../src/telemetry/server-spans.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

/** A logger as the services make one, writing its lines where the test reads them. */
function capturedLogger(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino(loggerOptions({ service: 'test', instanceId: 'test-1', level: 'info' }), sink);
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

describe('bindTraceIds', () => {
  it('puts the ids on every later line of that logger only, beside its other bindings and the redaction', () => {
    const { logger, lines } = capturedLogger();
    const child = logger.child({ reqId: 'req-1' });
    bindTraceIds(child, TRACE, SPAN);
    child.info({ headers: { authorization: 'Bearer secret' } }, 'inside');
    logger.info('outside');
    const [inside, outside] = lines();
    assert.equal(inside?.trace_id, TRACE);
    assert.equal(inside?.span_id, SPAN);
    assert.equal(inside?.reqId, 'req-1');
    assert.deepEqual(inside?.headers, { authorization: '[redacted]' });
    assert.equal(outside?.trace_id, undefined, 'the parent logger is not changed');
  });

  it('binds nothing that is not hex, so a line stays valid JSON whatever it is given', () => {
    const { logger, lines } = capturedLogger();
    const child = logger.child({});
    bindTraceIds(child, '4bf9","level":"x', SPAN);
    bindTraceIds({}, TRACE, SPAN);
    child.info('line');
    const [line] = lines();
    assert.equal(line?.trace_id, undefined);
    assert.equal(line?.level, 30);
  });
});

describe('an unrecorded request’s log lines', () => {
  let app: FastifyInstance;
  let lines: () => Array<Record<string, unknown>>;
  before(async () => {
    // As the SDK registers them; no tracer provider, so nothing is recorded here.
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
    const captured = capturedLogger();
    lines = captured.lines;
    app = Fastify({ loggerInstance: captured.logger as FastifyBaseLogger, disableRequestLogging: true });
    installServerSpans(app);
    app.get('/thing', async (request) => {
      request.log.info('handling');
      return { ok: true };
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    propagation.disable();
  });

  const handlingLine = async (headers: Record<string, string>) => {
    const response = await app.inject({ method: 'GET', url: '/thing', headers });
    assert.equal(response.statusCode, 200);
    const found = lines().filter((line) => line.msg === 'handling');
    return found[found.length - 1];
  };

  it('name the caller’s trace and span, however its context comes', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['a plain traceparent', { traceparent: `00-${TRACE}-${SPAN}-00` }],
      ['flags with other bits than sampled', { traceparent: `00-${TRACE}-${SPAN}-02` }],
      ['a tracestate beside it', { traceparent: `00-${TRACE}-${SPAN}-00`, tracestate: 'vendor=1' }],
      ['baggage beside it', { traceparent: `00-${TRACE}-${SPAN}-00`, baggage: 'k=v' }],
      ['a later version, as the propagator reads it', { traceparent: `01-${TRACE}-${SPAN}-00-extra` }],
    ];
    for (const [what, headers] of cases) {
      const line = await handlingLine(headers);
      assert.equal(line?.trace_id, TRACE, what);
      assert.equal(line?.span_id, SPAN, what);
    }
  });

  it('name nothing for a traceparent that is not valid', async () => {
    for (const traceparent of [`00-${'0'.repeat(32)}-${SPAN}-00`, `00-${TRACE}-${'0'.repeat(16)}-00`, `00-${TRACE.toUpperCase()}-${SPAN}-00`, 'garbage']) {
      const line = await handlingLine({ traceparent });
      assert.equal(line?.trace_id, undefined, traceparent);
    }
  });
});
