import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { type FakeIdentity, type FakeService, startFakeIdentity, startFakeService, gatewayTrust } from './upstream-fixture.js';

describe('gateway auth', () => {
  let catalog: FakeService;
  let identity: FakeIdentity;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    catalog = await startFakeService('catalog');
    identity = await startFakeIdentity();
    gateway = await buildGateway(
      loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: `catalog=${catalog.url};identity=${identity.url}`, LOG_LEVEL: 'silent' }),
    );
  });
  after(async () => {
    await gateway?.close();
    await catalog?.close();
    await identity?.close();
  });

  it('lets anyone browse the catalog, with no identity passed on', async () => {
    const response = await gateway.inject({ url: '/api/products' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().headers['x-user-id'], undefined);
  });

  it('passes the user\'s own token on for the service to verify, and drops identity or service claims the client made', async () => {
    const token = await identity.token({ id: 'usr_ada', role: 'customer', email: 'ada@example.com', name: 'Ada Lövelace' });
    const response = await gateway.inject({
      url: '/api/auth/me',
      headers: { ...bearer(token), 'x-user-id': 'usr_admin', 'x-user-role': 'admin', 'x-microshop-service': 'orders' },
    });
    assert.equal(response.statusCode, 200);
    const headers = response.json().headers;
    assert.equal(headers.authorization, `Bearer ${token}`);
    for (const name of ['x-user-id', 'x-user-role', 'x-user-email', 'x-user-name', 'x-microshop-service']) assert.equal(headers[name], undefined, name);
  });

  it('answers 401 with WWW-Authenticate for a protected route without a token', async () => {
    const response = await gateway.inject({ url: '/api/auth/me', headers: { 'x-user-id': 'usr_admin', 'x-user-role': 'admin' } });
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  });

  it('answers 401 for an expired token, a token signed by another key, and a malformed header', async () => {
    const expired = await identity.token({ id: 'usr_ada', role: 'customer' }, { expiresIn: '-1s' });
    const foreign = await identity.token({ id: 'usr_ada', role: 'customer' }, { foreign: true });
    for (const headers of [bearer(expired), bearer(foreign), { authorization: 'Basic dXNlcjpwYXNz' }, bearer('not.a.jwt')]) {
      const response = await gateway.inject({ url: '/api/cart', headers });
      assert.equal(response.statusCode, 401, JSON.stringify(headers));
    }
    const response = await gateway.inject({ url: '/api/cart', headers: bearer(expired) });
    assert.match(response.json().detail, /expired/);
  });

  it('keeps public routes public when the token is bad', async () => {
    const response = await gateway.inject({ url: '/api/products', headers: bearer('not.a.jwt') });
    assert.equal(response.statusCode, 200);
  });

  it('answers 403 to a customer on an admin route and forwards an admin', async () => {
    const customer = await identity.token({ id: 'usr_ada', role: 'customer' });
    const admin = await identity.token({ id: 'usr_root', role: 'admin' });
    const denied = await gateway.inject({ method: 'POST', url: '/api/products', payload: {}, headers: bearer(customer) });
    assert.equal(denied.statusCode, 403);
    const allowed = await gateway.inject({ method: 'POST', url: '/api/products', payload: {}, headers: bearer(admin) });
    assert.equal(allowed.statusCode, 200);
    assert.equal(allowed.json().headers.authorization, `Bearer ${admin}`);
  });

  it('refuses a token that never expires', async () => {
    const forever = await identity.token({ id: 'usr_ada', role: 'customer' }, { noExpiry: true });
    const response = await gateway.inject({ url: '/api/cart', headers: bearer(forever) });
    assert.equal(response.statusCode, 401);
  });
});
