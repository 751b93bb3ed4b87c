import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '@microshop/kit';
import { startTelemetry } from '@microshop/kit/telemetry';
import { until } from '@microshop/testing';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';
import { installEdgeSpans } from '../src/traces/edge-span.js';

const ended: ReadableSpan[] = [];
const collector: SpanProcessor = {
  onStart: () => {},
  onEnd: (span) => {
    ended.push(span);
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
const endedAs = (name: string) => ended.filter((span) => span.name === name);

/** Called when a request reaches the slow route: its span has started. */
let arrived = () => {};

/** Serves a slow and a quick route from `app`, whose hooks make the spans. */
async function serve(app: FastifyInstance): Promise<string> {
  app.get('/slow', async () => {
    arrived();
    await sleep(400);
    return { ok: true };
  });
  app.get('/quick', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

// A recorded span whose caller goes away before the answer ends (onResponse does not run then),
// and one answered ends once: the services' server spans (kit) and the gateway's edge spans.
describe('a recorded span of a request', () => {
  const apps: FastifyInstance[] = [];
  const cases: Array<{ what: string; base: string; wentAway: string }> = [];
  before(async () => {
    startTelemetry({ service: 'gateway', instanceId: 'gateway-1', local: collector, asyncContext: false, edge: true, env: { MICROSHOP_TRACES_PER_SECOND: '100000' } });
    const service = await createApp({ service: 'widgets', instanceId: 'widgets-1', logLevel: 'silent', openapi: false });
    // As the gateway makes its app: the kit's server spans off, its own edge spans instead.
    const edge = await createApp({ service: 'gateway', instanceId: 'gateway-1', logLevel: 'silent', openapi: false, tracing: false });
    installEdgeSpans(edge);
    apps.push(service, edge);
    cases.push({ what: 'a service’s server span', base: await serve(service), wentAway: 'the caller went away' });
    cases.push({ what: 'the gateway’s edge span', base: await serve(edge), wentAway: 'the client went away' });
  });
  after(() => Promise.all(apps.map((app) => app.close())));

  it('ends with an error when the caller goes away before the answer', async () => {
    for (const { what, base, wentAway } of cases) {
      ended.length = 0;
      const reached = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const client = httpRequest(`${base}/slow`);
      client.on('error', () => {});
      client.end();
      await reached;
      client.destroy();
      const span = await until(`${what} of the abandoned request`, async () => endedAs('GET /slow')[0]);
      assert.equal(span.status.code, 2, what);
      assert.equal(span.status.message, wentAway, what);
      assert.equal(span.attributes['http.response.status_code'], undefined, `${what}: no status, since none was sent`);
    }
  });

  it('ends with its status when answered', async () => {
    for (const { what, base } of cases) {
      ended.length = 0;
      assert.equal((await fetch(`${base}/quick`)).status, 200);
      const span = await until(`${what} of the answered request`, async () => endedAs('GET /quick')[0]);
      assert.equal(span.attributes['http.response.status_code'], 200, what);
      assert.equal(span.status.code, 0, what);
    }
  });
});
