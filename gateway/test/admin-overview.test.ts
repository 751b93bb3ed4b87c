import assert from 'node:assert/strict';
import { operations } from '@microshop/contracts';
import { createValidatorCompiler } from '@microshop/kit';
import { freePort } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildGateway, loadGatewayConfig, SERVICES } from '../src/index.js';
import { type FakeIdentity, type FakeService, startFakeIdentity, startFakeService, gatewayTrust } from './upstream-fixture.js';

/** A check of an answer against the contract the dashboard is typed by. */
function conformsTo(schema: object, value: unknown, what: string): void {
  const check = createValidatorCompiler()({ schema, method: 'GET', url: '/', httpPart: 'body' }) as ((data: unknown) => boolean) & { errors?: unknown };
  assert.ok(check(value), `${what} breaks its contract: ${JSON.stringify(check.errors)}`);
}

describe('gateway operations dashboard: /api/admin/overview and dead letters', () => {
  let catalog: FakeService;
  let cart: FakeService;
  let identity: FakeIdentity;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  let customer: Record<string, string>;
  let admin: Record<string, string>;
  const overview = async () => {
    const response = await gateway.inject({ url: '/api/admin/overview', headers: admin });
    assert.equal(response.statusCode, 200);
    const body: unknown = response.json();
    conformsTo(operations.AdminOverview, body, '/api/admin/overview');
    return body as operations.AdminOverview;
  };
  const replay = (service: string, id: string, headers = admin) =>
    gateway.inject({ method: 'POST', url: `/api/admin/dead-letters/${service}/${id}/replay`, headers });
  const isProblem = (response: { headers: Record<string, unknown> }) => assert.match(String(response.headers['content-type']), /^application\/problem\+json/);

  before(async () => {
    catalog = await startFakeService('catalog');
    // Up, but its bus figures hang past the fan-out's timeout.
    cart = await startFakeService('cart', { busDelayMs: 1_500 });
    identity = await startFakeIdentity();
    gateway = await buildGateway(
      loadGatewayConfig({ ...gatewayTrust,
        // orders points at a port nothing listens on: down. The other services have no instance at all.
        MICROSHOP_UPSTREAMS: `catalog=${catalog.url};cart=${cart.url};identity=${identity.url};orders=http://127.0.0.1:${await freePort()}`,
        LOG_LEVEL: 'silent',
        MICROSHOP_RATE_LIMIT: 'off',
        GATEWAY_SAMPLE_INTERVAL_MS: '100',
      }),
    );
    customer = await identity.bearer({ id: 'usr_ada', role: 'customer' });
    admin = await identity.bearer({ id: 'usr_root', role: 'admin' });
  });
  after(async () => {
    await gateway?.close();
    await catalog?.close();
    await cart?.close();
    await identity?.close();
  });

  it('is for admins only: 401 anonymous, 403 for a customer, on every route', async () => {
    const routes = [
      { method: 'GET' as const, url: '/api/admin/overview' },
      // An escaped path reaches the same route: the policy must see through the escape.
      { method: 'GET' as const, url: '/api/admin/%6Fverview' },
      { method: 'GET' as const, url: '/api/admin/dead-letters' },
      { method: 'POST' as const, url: '/api/admin/dead-letters/catalog/1/replay' },
    ];
    for (const route of routes) {
      const anonymous = await gateway.inject(route);
      assert.equal(anonymous.statusCode, 401, `${route.method} ${route.url} anonymous`);
      isProblem(anonymous);
      const forbidden = await gateway.inject({ ...route, headers: customer });
      assert.equal(forbidden.statusCode, 403, `${route.method} ${route.url} as a customer`);
      isProblem(forbidden);
    }
    assert.equal(catalog.deadLetters.length, 1, 'nothing was replayed');
  });

  it('answers an admin with every service, its instances, breaker and bus, within a second while services are down', async () => {
    const started = Date.now();
    const body = await overview();
    assert.ok(Date.now() - started < 1_200, `answered in ${Date.now() - started} ms`);
    assert.ok(!Number.isNaN(Date.parse(body.at)));
    assert.equal(body.intervalMs, 100);
    assert.deepEqual(body.services.map((s) => s.name), [...SERVICES]);
    const byName = new Map(body.services.map((s) => [s.name, s]));
    for (const service of body.services) {
      assert.deepEqual(Object.keys(service).sort(), ['breaker', 'bus', 'errorRate', 'history', 'instances', 'name', 'p95Ms', 'requestsPerSecond']);
      assert.equal(service.breaker, 'closed');
    }
    const catalogEntry = byName.get('catalog');
    assert.deepEqual(catalogEntry?.bus, { pending: 3, deadLetters: 1 });
    const instance = catalogEntry?.instances[0];
    assert.deepEqual(Object.keys(instance ?? {}).sort(), ['errorRate', 'healthy', 'id', 'pid', 'reason', 'requestsPerSecond', 'url']);
    assert.equal(instance?.url, catalog.url);
    assert.equal(instance?.healthy, true);
    assert.equal(instance?.reason, null);
    assert.equal(typeof instance?.pid, 'number');
    assert.equal(byName.get('cart')?.bus, null, 'a hung service has no bus figures');
    const orders = byName.get('orders');
    assert.equal(orders?.bus, null, 'a down service has no bus figures');
    assert.equal(orders?.instances[0]?.healthy, false);
    assert.equal(typeof orders?.instances[0]?.reason, 'string');
    assert.deepEqual(byName.get('shipping')?.instances, []);
    assert.equal(byName.get('shipping')?.bus, null);
  });

  it('shows requests per second, error rate and p95 latency after some traffic', async () => {
    // Traffic keeps flowing while we look (each overview waits for the hung cart): every point covers only its own interval.
    let flowing = true;
    const traffic = (async () => {
      while (flowing) {
        for (let i = 0; i < 4; i++) assert.equal((await gateway.inject({ url: '/api/products' })).statusCode, 200);
        assert.equal((await gateway.inject({ url: '/api/products/broken' })).statusCode, 500);
      }
    })();
    const deadline = Date.now() + 10_000;
    let catalogEntry: operations.ServiceOverview | undefined;
    try {
      for (;;) {
        catalogEntry = (await overview()).services.find((s) => s.name === 'catalog');
        const instance = catalogEntry?.instances[0];
        if (catalogEntry && catalogEntry.requestsPerSecond > 0 && instance && instance.requestsPerSecond > 0) break;
        assert.ok(Date.now() < deadline, 'no traffic showed within 10 s');
      }
    } finally {
      flowing = false;
      await traffic;
    }
    assert.ok(catalogEntry.errorRate > 0 && catalogEntry.errorRate < 1, `error rate ${catalogEntry.errorRate}`);
    assert.ok(catalogEntry.p95Ms !== null && catalogEntry.p95Ms > 0);
    const busy = catalogEntry.history.filter((point) => point.rps > 0);
    assert.ok(busy.length > 0);
    assert.deepEqual(Object.keys(busy[0] ?? {}).sort(), ['errorRate', 'p95Ms', 'rps', 't']);
    assert.ok(catalogEntry.history.every((point, i, all) => i === 0 || point.t >= (all[i - 1]?.t ?? 0)), 'oldest first');
    const idle = (await overview()).services.find((s) => s.name === 'shipping');
    assert.ok(idle && idle.requestsPerSecond === 0 && idle.p95Ms === null);
  });

  it('lists every service’s dead letters without their bodies, naming the services it could not ask', async () => {
    const response = await gateway.inject({ url: '/api/admin/dead-letters', headers: admin });
    assert.equal(response.statusCode, 200);
    conformsTo(operations.DeadLetterList, response.json(), '/api/admin/dead-letters');
    const { items, unavailable } = response.json() as operations.DeadLetterList;
    assert.deepEqual(items, [
      { service: 'catalog', id: '1', group: 'catalog', type: 'orders.order.placed', eventId: 'evt-catalog-1', reason: 'failed 5 times: boom', attempts: 5 },
    ]);
    // cart hangs, orders is down, identity has no /internal routes, the rest have no instance.
    assert.deepEqual(unavailable, SERVICES.filter((name) => name !== 'catalog'));
  });

  it('forwards a replay to the owning service, and passes on its 404', async () => {
    const replayed = await replay('catalog', '1');
    assert.equal(replayed.statusCode, 202);
    assert.deepEqual(replayed.json(), { replayed: '1' });
    assert.deepEqual(catalog.deadLetters, []);
    const again = await replay('catalog', '1');
    assert.equal(again.statusCode, 404);
    isProblem(again);
    assert.equal(again.json().service, 'catalog');
    const escaped = await replay('catalog', 'a%2Fb');
    assert.equal(escaped.statusCode, 404, 'an id with an escaped slash reaches the service as one id');
    assert.match(escaped.json().detail, /no dead letter a\/b/);
  });

  it('answers a replay for an unknown service with 404 and for one without a healthy instance with 503', async () => {
    const unknown = await replay('nowhere', '1');
    assert.equal(unknown.statusCode, 404);
    isProblem(unknown);
    for (const service of ['orders', 'shipping']) {
      const unavailable = await replay(service, '1');
      assert.equal(unavailable.statusCode, 503, service);
      isProblem(unavailable);
      assert.equal(unavailable.json().service, service);
    }
  });
});
