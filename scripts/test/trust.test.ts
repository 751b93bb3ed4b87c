import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningProcess, startChild, tempDir, waitForShop } from '@microshop/testing';

// SPEC §5a through the real processes of `npm start`: every service's own port, called the way a
// neighbour on the network would call it.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START = join(root, 'scripts', 'dist', 'src', 'start.js');
const ADMIN = { email: 'admin@microshop.local', password: 'admin-password-1' };
/** What anyone may call on a service directly (SPEC §5a); every other route needs a credential. */
const PUBLIC = new Set([
  'GET /api/products',
  'GET /api/products/{id}',
  'GET /api/categories',
  'GET /api/inventory/{productId}',
  'POST /api/auth/register',
  'POST /api/auth/login',
  'GET /.well-known/jwks.json',
]);
/** Hidden from the API reference, present on every service built on the runtime (and payments' own). */
const INTERNAL = ['GET /internal/bus', 'GET /internal/dead-letters', 'POST /internal/dead-letters/{id}/replay'];
const FORGED = { 'x-user-id': 'usr_x', 'x-user-role': 'admin', 'x-user-email': 'x@example.com', 'x-user-name': 'X', 'x-microshop-service': 'gateway' };
const OWNER: Array<[string, string]> = [
  ['/api/auth', 'identity'],
  ['/.well-known', 'identity'],
  ['/api/products', 'catalog'],
  ['/api/categories', 'catalog'],
  ['/api/cart', 'cart'],
  ['/api/orders', 'orders'],
  ['/api/inventory', 'inventory'],
  ['/api/payments', 'payments'],
  ['/api/deliveries', 'shipping'],
  ['/api/notifications', 'notifications'],
];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('trust boundary: each service believes only credentials it verifies', () => {
  let runner: RunningProcess;
  let base: string;
  let dataDir: string;
  let adminToken: string;
  let customerToken: string;
  const urls = new Map<string, string>();

  const call = async (url: string, method = 'GET', headers: Record<string, string> = {}, body?: unknown) => {
    const response = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: Json | null = null;
    try {
      json = text ? (JSON.parse(text) as Json) : null;
    } catch {
      json = null;
    }
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: json };
  };

  before(async () => {
    dataDir = join(await tempDir(), 'data');
    runner = startChild(process.execPath, [START], {
      env: { PORT: '0', HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dataDir, MICROSHOP_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn', MICROSHOP_LOG_FORMAT: 'json' },
    });
    base = await waitForShop(runner, 60_000);
    adminToken = (await call(`${base}/api/auth/login`, 'POST', {}, ADMIN)).body?.token;
    assert.ok(adminToken, 'the seeded admin signs in');
    customerToken = (await call(`${base}/api/auth/register`, 'POST', {}, { email: 'eve@example.com', password: 'password-123', name: 'Eve' })).body?.token;
    assert.ok(customerToken, 'a customer registers');
    const status = await call(`${base}/api/admin/status`, 'GET', { authorization: `Bearer ${adminToken}` });
    for (const service of status.body?.services ?? []) urls.set(service.name, service.instances[0].url);
    assert.equal(urls.size, 8, JSON.stringify(status.body));
  });
  after(async () => {
    await runner?.stop();
    if (dataDir) await rm(dirname(dataDir), { recursive: true, force: true });
  });

  it('answers 401 on every route that needs an identity, called on its own port with forged identity headers and no credential', async () => {
    const doc = (await call(`${base}/openapi.json`)).body as Json;
    const routes: Array<{ service: string; method: string; path: string }> = [];
    for (const [path, operations] of Object.entries(doc.paths as Json)) {
      const service = OWNER.find(([prefix]) => path.startsWith(prefix))?.[1];
      assert.ok(service, `an owner for ${path}`);
      for (const method of Object.keys(operations as Json)) routes.push({ service, method: method.toUpperCase(), path });
    }
    for (const service of urls.keys()) for (const route of INTERNAL) routes.push({ service, method: route.split(' ')[0] ?? '', path: route.split(' ')[1] ?? '' });
    routes.push({ service: 'payments', method: 'POST', path: '/internal/payment-methods' });
    assert.ok(routes.length >= 40, `${routes.length} routes`);

    const checked: string[] = [];
    for (const { service, method, path } of routes) {
      const key = `${method} ${path}`;
      const url = `${urls.get(service)}${path.replace(/\{[^}]+\}/g, 'x')}`;
      // A body that would fail validation: the 401 must come first.
      const body = method === 'GET' || method === 'DELETE' ? undefined : { bogus: true };
      const answer = await call(url, method, FORGED, body);
      if (PUBLIC.has(key)) {
        assert.notEqual(answer.status, 401, `${service} ${key} is public`);
        assert.ok(answer.status < 500, `${service} ${key}: ${answer.status}`);
        continue;
      }
      assert.equal(answer.status, 401, `${service} ${key}: ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.match(answer.type, /^application\/problem\+json/, `${service} ${key}`);
      checked.push(`${service} ${key}`);
    }
    assert.ok(checked.length >= 30, checked.join('\n'));
  });

  it('never refuses a valid end-user token on a public route, and ignores a bad one there', async () => {
    for (const headers of [{ authorization: `Bearer ${customerToken}` }, { authorization: 'Bearer not.a.token' }, { authorization: 'Basic eDp5' }]) {
      assert.equal((await call(`${urls.get('catalog')}/api/products?limit=1`, 'GET', headers)).status, 200);
      assert.equal((await call(`${urls.get('inventory')}/api/inventory/prod-bamboo-cutting-board`, 'GET', headers)).status, 200);
      for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
        assert.equal((await call(`${urls.get('orders')}${path}`, 'GET', headers)).status, 200, path);
      }
    }
  });

  it('accepts the user\'s own token on the service, and refuses an admin token where a service credential is needed', async () => {
    const mine = await call(`${urls.get('orders')}/api/orders`, 'GET', { authorization: `Bearer ${customerToken}` });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body, { items: [] });
    const asAdmin = { authorization: `Bearer ${adminToken}` };
    for (const service of ['cart', 'orders', 'payments']) {
      assert.equal((await call(`${urls.get(service)}/internal/dead-letters`, 'GET', asAdmin)).status, 401, service);
    }
    const { 'x-microshop-service': forgedService, ...claims } = FORGED;
    const customer = await call(`${urls.get('catalog')}/api/products`, 'POST', { ...claims, authorization: `Bearer ${customerToken}` }, {});
    assert.equal(customer.status, 403, 'a customer stays a customer, whatever the headers say');
    const pretender = await call(`${urls.get('cart')}/api/cart`, 'GET', { 'x-microshop-service': forgedService, authorization: `Bearer ${customerToken}` });
    assert.equal(pretender.status, 401, 'a service credential that does not verify is refused, not ignored');
  });

  it('keeps the data directory and every file in it private to its owner, and no signing key in a database', async () => {
    const walk = async (dir: string): Promise<string[]> => {
      const entries = await readdir(dir, { withFileTypes: true });
      const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])));
      return [dir, ...nested.flat()];
    };
    const paths = await walk(dataDir);
    assert.ok(paths.some((p) => p.endsWith('identity.sqlite')));
    for (const path of paths) {
      const { mode } = await stat(path);
      assert.equal(mode & 0o077, 0, `${path} is mode ${(mode & 0o777).toString(8)}`);
    }
    const identityDb = await readFile(join(dataDir, 'identity.sqlite'));
    assert.ok(!identityDb.includes('private_jwk'), 'identity keeps no key table');
    assert.ok(!identityDb.includes('"d":"'), 'no private JWK in identity\'s database');
  });
});
