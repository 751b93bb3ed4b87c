import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@microshop/testing';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { type FakeIdentity, type FakeService, startFakeIdentity, startFakeService, gatewayTrust } from './upstream-fixture.js';

type Gateway = Awaited<ReturnType<typeof buildGateway>>;

async function gatewayFor(upstreams: string, extra: Record<string, string> = {}): Promise<Gateway> {
  return buildGateway(
    loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: upstreams, LOG_LEVEL: 'silent', GATEWAY_HEALTH_INTERVAL_MS: '200', ...extra }),
  );
}

describe('gateway routing', () => {
  let catalog: FakeService;
  let identity: FakeIdentity;
  let gateway: Gateway;
  let admin: Record<string, string>;
  let customer: Record<string, string>;
  before(async () => {
    catalog = await startFakeService('catalog', { slowMs: 1_500 });
    identity = await startFakeIdentity();
    gateway = await gatewayFor(`catalog=${catalog.url};identity=${identity.url}`, { GATEWAY_UPSTREAM_TIMEOUT_MS: '300' });
    admin = await identity.bearer({ id: 'usr_admin', role: 'admin' });
    customer = await identity.bearer({ id: 'usr_ada', role: 'customer' });
  });
  after(async () => {
    await gateway?.close();
    await catalog?.close();
    await identity?.close();
  });

  it('forwards by prefix without rewriting the path or query', async () => {
    const response = await gateway.inject({ url: '/api/products/p-1?x=1&y=%20z' });
    assert.equal(response.statusCode, 200);
    const echoed = response.json();
    assert.equal(echoed.service, 'catalog');
    assert.equal(echoed.url, '/api/products/p-1?x=1&y=%20z');
  });

  it('passes bodies, statuses and headers through unchanged', async () => {
    const payload = { name: 'Mug', nested: { a: [1, 2, 3] }, text: 'ünïcødé' };
    const response = await gateway.inject({ method: 'POST', url: '/api/products', payload, headers: admin });
    assert.deepEqual(response.json().body, payload);
    assert.equal(response.json().method, 'POST');
    const teapot = await gateway.inject({ url: '/api/products/teapot' });
    assert.equal(teapot.statusCode, 418);
    assert.equal(teapot.headers['x-custom'], 'yes');
    assert.deepEqual(teapot.json(), { short: 'and stout' });
  });

  it('lets the service judge malformed JSON (400 problem+json from the service)', async () => {
    const response = await gateway.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json', ...admin },
      payload: '{"broken": ',
    });
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  });

  it('carries the request id to the service and back', async () => {
    const given = await gateway.inject({ url: '/api/products', headers: { 'x-request-id': 'trace-me-42' } });
    assert.equal(given.headers['x-request-id'], 'trace-me-42');
    assert.equal(given.json().headers['x-request-id'], 'trace-me-42');
    const generated = await gateway.inject({ url: '/api/products' });
    const id = String(generated.headers['x-request-id']);
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(generated.json().headers['x-request-id'], id);
  });

  it('strips identity headers a client sends and adds forwarding headers', async () => {
    const response = await gateway.inject({
      url: '/api/products',
      headers: {
        'x-user-id': 'admin',
        'x-user-role': 'admin',
        'x-microshop-user': 'root',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    });
    const headers = response.json().headers;
    assert.equal(headers['x-user-id'], undefined);
    assert.equal(headers['x-user-role'], undefined);
    assert.equal(headers['x-microshop-user'], undefined);
    assert.equal(headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.ok(headers['x-forwarded-for']);
  });

  it('answers a malformed percent-escape with 400, not 500', async () => {
    const response = await gateway.inject({ url: '/api/products?q=%' });
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  });

  it('refuses a ".." path segment, escaped or not, with 400, and forwards names with dots in them', async () => {
    // (inject resolves a literal or escaped `..` segment itself, as a browser would; an HTTP client
    // may send one as is, and meets the same check.)
    for (const url of ['/api/products/..%2Forders', '/api/products/%2e%2e%2Forders', '/api/products/x%2F..%2F..%2Fadmin']) {
      const response = await gateway.inject({ url });
      assert.equal(response.statusCode, 400, url);
      assert.match(response.json().detail, /"\.\." segment/, url);
    }
    assert.equal((await gateway.inject({ url: '/api/products/a...b?q=../x' })).statusCode, 200);
  });

  it('ends hop-by-hop headers such as Expect at the gateway', async () => {
    const response = await gateway.inject({
      method: 'POST',
      url: '/api/products',
      payload: { a: 1 },
      headers: { ...admin, expect: '100-continue', 'keep-alive': 'timeout=5', forwarded: 'for=1.2.3.4' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().headers.forwarded, undefined);
  });

  it('answers an unknown API path with 404 problem+json', async () => {
    const response = await gateway.inject({ url: '/api/nothing' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().type, 'urn:microshop:problem:not-found');
  });

  it('answers 503 naming a service that has no instance', async () => {
    const response = await gateway.inject({ url: '/api/orders', headers: customer });
    assert.equal(response.statusCode, 503);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(response.json().service, 'orders');
    assert.equal(response.headers['retry-after'], '1');
  });

  it('shows a readable HTML page to a browser instead', async () => {
    const response = await gateway.inject({ url: '/api/orders', headers: { accept: 'text/html,application/xhtml+xml', ...customer } });
    assert.equal(response.statusCode, 503);
    assert.match(String(response.headers['content-type']), /^text\/html/);
    assert.match(response.body, /orders service has no healthy instance/);
  });

  it('answers 504 naming the service when it does not answer in time', async () => {
    const started = Date.now();
    const response = await gateway.inject({ url: '/api/products/slow' });
    assert.equal(response.statusCode, 504);
    assert.equal(response.json().service, 'catalog');
    assert.ok(Date.now() - started < 1_400, 'the timeout, not the slow answer, ended the request');
  });

  it('refuses a body over 1 MiB with 413 before the service sees it', async () => {
    const hits = catalog.hits;
    const response = await gateway.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json', ...admin },
      payload: `{"a":"${'x'.repeat(1024 * 1024)}"}`,
    });
    assert.equal(response.statusCode, 413);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.equal(catalog.hits, hits);
  });

  it('reports per-service readiness', async () => {
    const response = await gateway.inject({ url: '/readyz' });
    assert.equal(response.statusCode, 200);
    const services = response.json().services;
    assert.deepEqual(services.catalog, { ready: true, healthy: 1, instances: 1 });
    assert.deepEqual(services.orders, { ready: false, healthy: 0, instances: 0 });
    // Ready after its first round of checks, whatever the services answered: a service that is down
    // must not take the whole edge out of its load balancer.
    assert.equal(response.json().checks.upstreams, 'ok');
  });

  it('merges every service OpenAPI document at /openapi.json and renders /docs', async () => {
    const doc = (await gateway.inject({ url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/api/products']);
    const page = await gateway.inject({ url: '/docs' });
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /\/api\/products/);
  });

  it('serves its own health and metrics', async () => {
    assert.equal((await gateway.inject({ url: '/healthz' })).statusCode, 200);
    const metrics = await gateway.inject({ url: '/metrics' });
    assert.match(metrics.body, /http_requests_total\{[^}]*service="gateway"/);
  });
});

describe('gateway with failing instances', () => {
  it('answers 503 within 1 s when the only instance is gone, and recovers when it returns', async () => {
    const port = await freePort();
    const gateway = await gatewayFor(`catalog=http://127.0.0.1:${port}`);
    try {
      const started = Date.now();
      const response = await gateway.inject({ url: '/api/products' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().service, 'catalog');
      assert.ok(Date.now() - started < 1_000);
    } finally {
      await gateway.close();
    }
  });

  it('sends a request that found a dead instance to a live one, POST included', async () => {
    const live = await startFakeService('catalog');
    const identity = await startFakeIdentity();
    const deadPort = await freePort();
    const gateway = await gatewayFor(`catalog=http://127.0.0.1:${deadPort},${live.url};identity=${identity.url}`);
    const headers = await identity.bearer({ id: 'usr_admin', role: 'admin' });
    try {
      const statuses = [];
      for (let i = 0; i < 10; i++) {
        const method = i % 2 ? 'GET' : 'POST';
        statuses.push((await gateway.inject({ method, url: '/api/products', payload: {}, headers })).statusCode);
      }
      assert.deepEqual(statuses, Array(10).fill(200));
    } finally {
      await gateway.close();
      await live.close();
      await identity.close();
    }
  });

  it('marks an instance down when it dies and back up when it is ready again', async () => {
    const service = await startFakeService('catalog');
    const port = Number(new URL(service.url).port);
    const gateway = await gatewayFor(`catalog=${service.url}`);
    try {
      assert.equal((await gateway.inject({ url: '/api/products' })).statusCode, 200);
      await service.close();
      const down = await gateway.inject({ url: '/api/products' });
      assert.equal(down.statusCode, 503);
      const again = await startFakeServiceOn('catalog', port);
      try {
        const deadline = Date.now() + 5_000;
        let status = 0;
        while (Date.now() < deadline && status !== 200) {
          await new Promise((r) => setTimeout(r, 100));
          status = (await gateway.inject({ url: '/api/products' })).statusCode;
        }
        assert.equal(status, 200);
      } finally {
        await again.close();
      }
    } finally {
      await gateway.close();
    }
  });
});

async function startFakeServiceOn(name: string, port: number): Promise<FakeService> {
  const { createApp } = await import('@microshop/kit');
  const app = await createApp({ service: name, instanceId: `${name}-again`, logLevel: 'silent' });
  app.get('/api/products', async () => ({ back: true }));
  await app.listen({ port, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${port}`, hits: 0, deadLetters: [], close: () => app.close() };
}
