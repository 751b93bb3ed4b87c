import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import { startTelemetry } from '../src/telemetry/index.js';
import { installServerSpans } from '../src/telemetry/server-spans.js';

const ended: ReadableSpan[] = [];
const collector: SpanProcessor = {
  onStart: () => {},
  onEnd: (span) => {
    ended.push(span);
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};

/** Waits until `find` returns something, for at most 5 s. */
async function until<T>(what: string, find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = find();
    if (found !== undefined) return found;
    await sleep(50);
  }
  throw new Error(`never saw ${what}`);
}

describe('a recorded server span', () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    startTelemetry({ service: 'test', instanceId: 'test-1', local: collector, env: { MICROSHOP_TRACES_PER_SECOND: '100000' } });
    app = Fastify();
    installServerSpans(app);
    app.get('/slow', async () => {
      await sleep(400);
      return { ok: true };
    });
    app.get('/quick', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  it('ends with an error when the caller goes away before the answer', async () => {
    const client = httpRequest({ host: '127.0.0.1', port, path: '/slow' });
    client.on('error', () => {});
    client.end();
    await sleep(100);
    client.destroy();
    const span = await until('the aborted request’s span', () => ended.find((s) => s.name === 'GET /slow'));
    assert.equal(span.status.code, 2);
    assert.equal(span.status.message, 'the caller went away');
    // The handler's answer, written later to a closed connection, does not end it again.
    await sleep(500);
    assert.equal(ended.filter((s) => s.name === 'GET /slow').length, 1);
  });

  it('ends once, with its status, when answered', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/quick`);
    assert.equal(response.status, 200);
    const span = await until('the answered request’s span', () => ended.find((s) => s.name === 'GET /quick'));
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.status.code, 0);
    await sleep(100);
    assert.equal(ended.filter((s) => s.name === 'GET /quick').length, 1);
  });
});
