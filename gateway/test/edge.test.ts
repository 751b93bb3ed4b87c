import assert from 'node:assert/strict';
import { freePort } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { type FakeIdentity, type FakeService, startFakeIdentity, startFakeService, gatewayTrust } from './upstream-fixture.js';

describe('gateway edge: limits, headers, aggregation, status', () => {
  let catalog: FakeService;
  let cart: FakeService;
  let identity: FakeIdentity;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  let customer: Record<string, string>;
  let admin: Record<string, string>;

  before(async () => {
    catalog = await startFakeService('catalog');
    cart = await startFakeService('cart');
    identity = await startFakeIdentity();
    gateway = await buildGateway(
      loadGatewayConfig({ ...gatewayTrust,
        MICROSHOP_UPSTREAMS: `catalog=${catalog.url};cart=${cart.url};identity=${identity.url}`,
        LOG_LEVEL: 'silent',
        GATEWAY_RATE_LIMIT_IP: '20',
        GATEWAY_RATE_LIMIT_USER: '30',
        GATEWAY_RATE_LIMIT_SIGN_IN: '3',
        GATEWAY_CORS_ORIGINS: 'https://shop.example',
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

  it('answers a burst beyond the per-IP limit with 429 problem+json and Retry-After', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof gateway.inject>> | undefined;
    for (let i = 0; i < 25; i++) {
      const response = await gateway.inject({ url: '/api/products', remoteAddress: '10.9.9.9' });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) limited ??= response;
    }
    assert.equal(statuses.filter((s) => s === 200).length, 20);
    assert.ok(limited);
    assert.match(String(limited.headers['content-type']), /^application\/problem\+json/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await gateway.inject({ url: '/api/products', remoteAddress: '10.9.9.10' })).statusCode, 200, 'other clients are unaffected');
  });

  it('counts a signed-in user by user, not by address', async () => {
    const limitedUser = await identity.bearer({ id: 'usr_busy', role: 'customer' });
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await gateway.inject({ url: '/api/cart', headers: limitedUser, remoteAddress: `10.8.0.${i}` })).statusCode);
    assert.equal(statuses.filter((s) => s === 200).length, 30);
    assert.equal(statuses.filter((s) => s === 429).length, 2);
  });

  it('counts requests with refused tokens against their address, before answering 401', async () => {
    const forged = { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' };
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) statuses.push((await gateway.inject({ url: '/api/cart', headers: forged, remoteAddress: '10.7.7.7' })).statusCode);
    assert.equal(statuses.filter((s) => s === 401).length, 20);
    assert.equal(statuses.filter((s) => s === 429).length, 4);
  });

  it('limits sign-in and registration more strictly', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await gateway.inject({ method: 'POST', url: '/api/auth/login', payload: {}, remoteAddress: '10.7.7.7' })).statusCode);
    assert.equal(statuses[3], 429);
  });

  it('sends security headers, and CORS only to the listed origin', async () => {
    const response = await gateway.inject({ url: '/healthz' });
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.ok(response.headers['content-security-policy']);
    assert.ok(response.headers['strict-transport-security']);
    const allowed = await gateway.inject({ method: 'OPTIONS', url: '/api/products', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://shop.example');
    const other = await gateway.inject({ method: 'OPTIONS', url: '/api/products', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('assembles /api/home from catalog and cart, and degrades per part', async () => {
    const home = await gateway.inject({ url: '/api/home', headers: customer, remoteAddress: '10.6.0.1' });
    assert.equal(home.statusCode, 200);
    assert.deepEqual(home.json().degraded, []);
    assert.notEqual(home.json().cart, null, 'the signed-in shopper gets their cart');
    const anonymous = await gateway.inject({ url: '/api/home', remoteAddress: '10.6.0.2' });
    assert.equal(anonymous.json().cart, null);
    await cart.close();
    const degraded = await gateway.inject({ url: '/api/home', headers: customer, remoteAddress: '10.6.0.3' });
    assert.equal(degraded.statusCode, 200);
    assert.deepEqual(degraded.json().degraded, ['cart']);
    assert.equal(degraded.json().cart, null);
  });

  it('shows every service’s instances to an admin at /api/admin/status, and to no one else', async () => {
    assert.equal((await gateway.inject({ url: '/api/admin/status', remoteAddress: '10.5.0.1' })).statusCode, 401);
    // An escaped path reaches the same route: the policy must see through the escape.
    assert.equal((await gateway.inject({ url: '/api/admin/%73tatus', remoteAddress: '10.5.0.1' })).statusCode, 401);
    assert.equal((await gateway.inject({ url: '/api/admin/%73tatus', headers: customer, remoteAddress: '10.5.0.1' })).statusCode, 403);
    assert.equal((await gateway.inject({ url: '/api/admin/status', headers: customer, remoteAddress: '10.5.0.1' })).statusCode, 403);
    const status = await gateway.inject({ url: '/api/admin/status', headers: admin, remoteAddress: '10.5.0.1' });
    assert.equal(status.statusCode, 200);
    const catalogEntry = status.json().services.find((s: { name: string }) => s.name === 'catalog');
    assert.equal(catalogEntry.instances.length, 1);
    assert.equal(catalogEntry.instances[0].healthy, true);
    assert.equal(typeof catalogEntry.instances[0].pid, 'number');
    assert.equal(catalogEntry.instances[0].url, catalog.url);
  });
});

describe('gateway with rate limits off', () => {
  it('lets a burst through when MICROSHOP_RATE_LIMIT=off', async () => {
    const catalog = await startFakeService('catalog');
    const gateway = await buildGateway(
      loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: `catalog=${catalog.url}`, LOG_LEVEL: 'silent', MICROSHOP_RATE_LIMIT: 'off', GATEWAY_RATE_LIMIT_IP: '2', PORT: String(await freePort()) }),
    );
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await gateway.inject({ url: '/api/products' })).statusCode);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    } finally {
      await gateway.close();
      await catalog.close();
    }
  });
});
