import assert from 'node:assert/strict';
import { operations } from '@microshop/contracts';
import { createValidatorCompiler } from '@microshop/kit';
import { testTrust } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { TraceStore } from '../src/traces/store.js';
import { type FakeIdentity, gatewayTrust, startFakeIdentity } from './upstream-fixture.js';

function conformsTo(schema: object, value: unknown, what: string): void {
  const check = createValidatorCompiler()({ schema, method: 'GET', url: '/', httpPart: 'body' }) as ((data: unknown) => boolean) & { errors?: unknown };
  assert.ok(check(value), `${what} breaks its contract: ${JSON.stringify(check.errors)}`);
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const nanos = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);

/** An OTLP/HTTP JSON export, as the SDK's serializer writes it. */
interface TestSpan {
  id: number;
  parent?: number;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  error?: boolean;
  orderId?: string;
}

function exportOf(service: string, spans: TestSpan[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'service.instance.id', value: { stringValue: `${service}-1` } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((span) => ({
              traceId: TRACE,
              spanId: hex(span.id, 16),
              ...(span.parent === undefined ? {} : { parentSpanId: hex(span.parent, 16) }),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: nanos(span.startMs),
              endTimeUnixNano: nanos(span.endMs),
              attributes: [
                { key: 'http.response.status_code', value: { intValue: 200 } },
                ...(span.orderId ? [{ key: 'microshop.order_id', value: { stringValue: span.orderId } }] : []),
              ],
              events: [{ name: 'note', timeUnixNano: nanos(span.startMs + 1), attributes: [] }],
              status: { code: span.error ? 2 : 0, ...(span.error ? { message: 'boom' } : {}) },
            })),
          },
        ],
      },
    ],
  };
}

describe('the built-in trace store: OTLP receiver and admin API', () => {
  let identity: FakeIdentity;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  let admin: Record<string, string>;
  const store = new TraceStore({ maxSpans: 1_000, maxAgeMs: 60_000 });
  const send = async (from: string, body: unknown, headers?: Record<string, string>) =>
    gateway.inject({
      method: 'POST',
      url: '/internal/otlp/v1/traces',
      headers: { 'content-type': 'application/json', ...(headers ?? (await (await testTrust()).asService(from, 'gateway'))) },
      payload: JSON.stringify(body),
    });

  before(async () => {
    identity = await startFakeIdentity();
    gateway = await buildGateway(
      loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: `identity=${identity.url}`, LOG_LEVEL: 'silent', MICROSHOP_RATE_LIMIT: 'off' }),
      { traces: store },
    );
    admin = await identity.bearer({ id: 'usr_root', role: 'admin' });
  });
  after(async () => {
    await gateway?.close();
    await identity?.close();
  });

  it('takes spans only with a service credential, and from a service only its own', async () => {
    const t0 = Date.now();
    const anonymous = await send('orders', exportOf('orders', [{ id: 2, parent: 1, name: 'POST /api/orders', kind: 2, startMs: t0, endMs: t0 + 5 }]), {});
    assert.equal(anonymous.statusCode, 401);
    const forged = await send('orders', exportOf('orders', []), { 'x-microshop-service': 'not-a-token' });
    assert.equal(forged.statusCode, 401);
    // Cart may not speak for orders: those spans are rejected, its own are kept.
    const mixed = {
      resourceSpans: [
        ...exportOf('orders', [{ id: 9, name: 'forged', kind: 2, startMs: t0, endMs: t0 + 1 }]).resourceSpans,
        ...exportOf('cart', [{ id: 3, parent: 2, name: 'GET /api/cart', kind: 2, startMs: t0 + 1, endMs: t0 + 2 }]).resourceSpans,
      ],
    };
    const answer = await send('cart', mixed);
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.json().partialSuccess.rejectedSpans, 1);
    assert.equal(store.get(TRACE)?.spans.some((s) => s.name === 'forged'), false);
  });

  it('refuses what is not an OTLP export with 400 or 415, storing nothing', async () => {
    const before = store.spanCount;
    assert.equal((await send('cart', { nothing: true })).statusCode, 400);
    const text = await gateway.inject({ method: 'POST', url: '/internal/otlp/v1/traces', headers: { 'content-type': 'application/x-protobuf', ...(await (await testTrust()).asService('cart', 'gateway')) }, payload: 'x' });
    assert.equal(text.statusCode, 415, 'protobuf is refused as a media type');
    const malformed = await send('cart', exportOf('cart', [{ id: 4, name: 'backwards', kind: 2, startMs: Date.now(), endMs: Date.now() - 10 }]));
    assert.equal(malformed.json().partialSuccess.rejectedSpans, 1);
    assert.equal(store.spanCount, before);
  });

  it('assembles a trace from spans that arrive apart, and finds it by order, service, error and duration', async () => {
    const t0 = Date.now();
    await send('orders', exportOf('orders', [{ id: 2, parent: 1, name: 'POST /api/orders', kind: 2, startMs: t0 + 1, endMs: t0 + 40, orderId: 'ord_1' }]));
    await send('payments', exportOf('payments', [{ id: 5, parent: 2, name: 'process orders.order.placed', kind: 5, startMs: t0 + 50, endMs: t0 + 80, error: true }]));
    store.add([{ traceId: TRACE, spanId: hex(1, 16), parentSpanId: null, name: 'POST /api/orders', service: 'gateway', instance: 'gateway-1', kind: 'server', startMs: t0, endMs: t0 + 45, status: 'unset', attributes: {}, events: [] }]);

    const list = await gateway.inject({ url: '/api/admin/traces?orderId=ord_1', headers: admin });
    assert.equal(list.statusCode, 200);
    conformsTo(operations.TraceList, list.json(), 'the trace list');
    const [summary] = list.json().items;
    assert.equal(summary.traceId, TRACE);
    assert.equal(summary.rootName, 'POST /api/orders');
    assert.deepEqual(summary.services, ['cart', 'gateway', 'orders', 'payments']);
    assert.equal(summary.error, true);
    assert.ok(summary.durationMs >= 80);
    for (const query of ['service=payments', 'error=true', 'minDurationMs=50']) {
      assert.equal((await gateway.inject({ url: `/api/admin/traces?${query}`, headers: admin })).json().items.length, 1, query);
    }
    for (const query of ['orderId=ord_2', 'service=shipping', 'error=false', 'minDurationMs=5000']) {
      assert.equal((await gateway.inject({ url: `/api/admin/traces?${query}`, headers: admin })).json().items.length, 0, query);
    }
    assert.equal((await gateway.inject({ url: '/api/admin/traces?limit=0', headers: admin })).statusCode, 400);
    assert.equal((await gateway.inject({ url: '/api/admin/traces?colour=red', headers: admin })).statusCode, 400);

    const detail = await gateway.inject({ url: `/api/admin/traces/${TRACE}`, headers: admin });
    conformsTo(operations.TraceView, detail.json(), 'the trace');
    const spans = detail.json().spans as operations.SpanView[];
    // The cart's span (sent in the first test) began earliest.
    assert.deepEqual(spans.map((s) => s.service), ['cart', 'gateway', 'orders', 'payments'], 'in order of start');
    assert.deepEqual(spans.map((s) => s.offsetMs), [...spans.map((s) => s.offsetMs)].sort((a, b) => a - b));
    const [, root, placed, paying] = spans;
    assert.equal(root?.parentSpanId, null);
    assert.equal(paying?.kind, 'consumer');
    assert.equal(paying?.status, 'error');
    assert.equal(paying?.statusMessage, 'boom');
    assert.equal(placed?.attributes['http.response.status_code'], 200);
    assert.equal(placed?.events[0]?.name, 'note');

    const map = await gateway.inject({ url: '/api/admin/service-map', headers: admin });
    conformsTo(operations.ServiceMap, map.json(), 'the service map');
    const edges = (map.json() as operations.ServiceMap).edges.map((e) => `${e.from}>${e.to}:${e.kind}:${e.count}:${e.errors}`);
    assert.deepEqual(edges, ['gateway>orders:http:1:0', 'orders>cart:http:1:0', 'orders>payments:event:1:1']);
    assert.equal((await gateway.inject({ url: `/api/admin/traces/${'0'.repeat(31)}1`, headers: admin })).statusCode, 404);
    assert.equal((await gateway.inject({ url: '/api/admin/traces/nope', headers: admin })).statusCode, 400);
  });

  it('is for admins only', async () => {
    const customer = await identity.bearer({ id: 'usr_ada', role: 'customer' });
    for (const url of ['/api/admin/traces', `/api/admin/traces/${TRACE}`, '/api/admin/service-map']) {
      assert.equal((await gateway.inject({ url })).statusCode, 401, url);
      assert.equal((await gateway.inject({ url, headers: customer })).statusCode, 403, url);
    }
  });

  it('keeps within its bounds: the oldest traces go first', () => {
    let now = 0;
    const small = new TraceStore({ maxSpans: 3, maxAgeMs: 10_000, now: () => now });
    const span = (trace: number, id: number) => ({
      traceId: hex(trace, 32), spanId: hex(id, 16), parentSpanId: null, name: 'x', service: 's', instance: 's-1', kind: 'server' as const, startMs: now, endMs: now, status: 'unset' as const, attributes: {}, events: [],
    });
    small.add([span(1, 1), span(1, 2)]);
    small.add([span(2, 3)]);
    small.add([span(3, 4)]);
    assert.equal(small.get(hex(1, 32)), undefined, 'the first trace made room');
    assert.equal(small.spanCount, 2);
    now = 20_000;
    small.add([span(4, 5)]);
    assert.deepEqual([hex(2, 32), hex(3, 32), hex(4, 32)].map((id) => small.get(id) !== undefined), [false, false, true], 'old traces age out');
  });
});
