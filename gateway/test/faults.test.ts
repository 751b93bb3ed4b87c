import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultInjector } from '../src/faults.js';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { type FakeIdentity, type FakeService, gatewayTrust, startFakeIdentity, startFakeService } from './upstream-fixture.js';

describe('gateway fault injection: /api/admin/faults', () => {
  let catalog: FakeService;
  let cart: FakeService;
  let identity: FakeIdentity;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  let admin: Record<string, string>;
  let customer: Record<string, string>;
  const setFault = (service: string, body: unknown, headers = admin) =>
    gateway.inject({ method: 'PUT', url: `/api/admin/faults/${service}`, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  before(async () => {
    catalog = await startFakeService('catalog');
    cart = await startFakeService('cart');
    identity = await startFakeIdentity();
    gateway = await buildGateway(
      loadGatewayConfig({
        ...gatewayTrust,
        MICROSHOP_UPSTREAMS: `catalog=${catalog.url};cart=${cart.url};identity=${identity.url}`,
        LOG_LEVEL: 'silent',
        MICROSHOP_RATE_LIMIT: 'off',
      }),
    );
    admin = await identity.bearer({ id: 'usr_root', role: 'admin' });
    customer = await identity.bearer({ id: 'usr_ada', role: 'customer' });
  });
  after(async () => {
    await gateway?.close();
    await catalog?.close();
    await cart?.close();
    await identity?.close();
  });

  it('is off by default, and for admins only', async () => {
    const listed = await gateway.inject({ url: '/api/admin/faults', headers: admin });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json(), { items: [] });
    assert.equal((await gateway.inject({ url: '/api/products' })).statusCode, 200);
    assert.equal((await gateway.inject({ url: '/api/admin/faults' })).statusCode, 401);
    assert.equal((await gateway.inject({ url: '/api/admin/faults', headers: customer })).statusCode, 403);
    assert.equal((await setFault('catalog', { abortPercent: 100 }, customer)).statusCode, 403);
    assert.equal((await gateway.inject({ method: 'DELETE', url: '/api/admin/faults/catalog', headers: customer })).statusCode, 403);
  });

  it('aborts every request of one service with the status asked for, says it was injected, and stops when cleared', async () => {
    const set = await setFault('catalog', { abortPercent: 100, abortStatus: 503 });
    assert.equal(set.statusCode, 200);
    assert.deepEqual(set.json(), { service: 'catalog', delayMs: 0, delayPercent: 0, abortStatus: 503, abortPercent: 100 });
    const aborted = await gateway.inject({ url: '/api/products' });
    assert.equal(aborted.statusCode, 503);
    assert.match(String(aborted.headers['content-type']), /^application\/problem\+json/);
    assert.equal(aborted.headers['x-microshop-fault'], 'abort');
    assert.match(aborted.json().type, /fault-injected/i);
    assert.equal((await gateway.inject({ url: '/api/cart', headers: customer })).statusCode, 200, 'another service is untouched');
    const metrics = await gateway.inject({ url: '/metrics' });
    const counted = metrics.body.split('\n').find((line) => line.startsWith('gateway_faults_injected_total{') && line.includes('service="catalog"'));
    assert.match(counted ?? '', /kind="abort".* 1$/, 'the injected fault is counted');
    assert.deepEqual(
      (await gateway.inject({ url: '/api/admin/faults', headers: admin })).json().items.map((f: { service: string }) => f.service),
      ['catalog'],
    );
    assert.equal((await gateway.inject({ method: 'DELETE', url: '/api/admin/faults/catalog', headers: admin })).statusCode, 204);
    assert.equal((await gateway.inject({ url: '/api/products' })).statusCode, 200);
    assert.deepEqual((await gateway.inject({ url: '/api/admin/faults', headers: admin })).json(), { items: [] });
  });

  it('delays requests by the time asked for, then forwards them', async () => {
    assert.equal((await setFault('catalog', { delayMs: 300, delayPercent: 100 })).statusCode, 200);
    const began = performance.now();
    const delayed = await gateway.inject({ url: '/api/products' });
    assert.equal(delayed.statusCode, 200);
    assert.ok(performance.now() - began >= 295, 'held back before it was forwarded');
    await gateway.inject({ method: 'DELETE', url: '/api/admin/faults/catalog', headers: admin });
  });

  it('refuses bad settings with a 400 naming the field, and an unknown service with a 404', async () => {
    const tooMuch = await setFault('catalog', { abortPercent: 150 });
    assert.equal(tooMuch.statusCode, 400);
    assert.match(tooMuch.body, /abortPercent/);
    const notAnError = await setFault('catalog', { abortPercent: 10, abortStatus: 200 });
    assert.equal(notAnError.statusCode, 400);
    assert.match(notAnError.body, /abortStatus/);
    const unknownField = await setFault('catalog', { dropPercent: 10 });
    assert.equal(unknownField.statusCode, 400);
    assert.equal((await setFault('warehouse', { abortPercent: 10 })).statusCode, 404);
    assert.deepEqual((await gateway.inject({ url: '/api/admin/faults', headers: admin })).json(), { items: [] }, 'nothing was set');
  });

  it('draws each request’s chance on its own: a percentage fails that share', () => {
    const draws = [0.05, 0.3, 0.2, 0.9, 0.1];
    const faults = new FaultInjector(() => draws.shift() ?? 1);
    faults.set('catalog', { delayMs: 0, delayPercent: 0, abortStatus: 500, abortPercent: 25 });
    const statuses = Array.from({ length: 5 }, () => faults.decide('catalog').abortStatus);
    assert.deepEqual(statuses, [500, undefined, 500, undefined, 500]);
    assert.deepEqual(faults.decide('cart'), { delayMs: 0, abortStatus: undefined });
  });
});
