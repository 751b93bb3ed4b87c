import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@microshop/contracts';
import { importJWK, SignJWT } from 'jose';
import { Type } from 'typebox';
import {
  type App,
  createApp,
  ensureLocalKeys,
  type Jwk,
  loadConfig,
  newServiceKey,
  newUserTokenKey,
  requireUser,
  SERVICE_TOKEN_HEADER,
  serviceKey,
  Trust,
  trustBundle,
  trustBundleOf,
} from '../src/index.js';

describe('trust: who a service believes', () => {
  let identityKey: Jwk;
  let strangerKey: Jwk;
  const serviceKeys: Record<string, Jwk> = {};
  let app: App;
  let orders: Trust;
  let impostor: Trust;

  const userToken = async (claims: { sub?: string; role?: string }, options: { exp?: string | null; key?: Jwk; audience?: string } = {}) => {
    const key = options.key ?? identityKey;
    const jwt = new SignJWT({ role: claims.role ?? 'customer' })
      .setProtectedHeader({ alg: 'ES256', kid: String(key.kid) })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(options.audience ?? TOKEN_AUDIENCE)
      .setIssuedAt();
    if (claims.sub !== undefined) jwt.setSubject(claims.sub);
    if (options.exp !== null) jwt.setExpirationTime(options.exp ?? '1h');
    return jwt.sign(await importJWK(key as never, 'ES256'));
  };
  const bearer = async (...args: Parameters<typeof userToken>) => ({ authorization: `Bearer ${await userToken(...args)}` });

  before(async () => {
    identityKey = await newUserTokenKey();
    strangerKey = { ...(await newUserTokenKey()), kid: identityKey.kid };
    for (const name of ['cart', 'orders', 'gateway']) serviceKeys[name] = await newServiceKey(name);
    const bundle = trustBundleOf([identityKey], serviceKeys);
    orders = new Trust({ self: 'orders', bundle, privateKey: serviceKeys.orders });
    // Holds the bundle and a key of its own, but not one the bundle names for "orders".
    impostor = new Trust({ self: 'orders', bundle, privateKey: { ...(await newServiceKey('orders')) } });
    app = await createApp({ service: 'cart', instanceId: 'cart-1', logLevel: 'silent', trust: new Trust({ self: 'cart', bundle, privateKey: serviceKeys.cart }) });
    const body = Type.Object({ quantity: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
    app.get('/open', { config: { access: 'public' } }, async (request) => ({ caller: request.caller }));
    app.put('/mine', { config: { access: 'user' }, schema: { body } }, async (request) => ({ user: requireUser(request).id }));
    app.get('/admin', { config: { access: 'admin' } }, async () => ({ ok: true }));
    app.get('/internal/state', { config: { access: 'service' } }, async (request) => ({ caller: request.caller.service }));
    app.post('/internal/for-user', { config: { access: 'service-user' } }, async (request) => ({ service: request.caller.service, user: request.caller.user?.id }));
    app.get('/undeclared', async () => ({ ok: true }));
  });
  after(async () => {
    await app?.close();
  });

  it('lets anyone call a public route, ignoring any token, valid or not', async () => {
    for (const authorization of [undefined, 'Bearer not.a.jwt', 'Basic eDp5', `Bearer ${await userToken({ sub: 'usr_ada' })}`]) {
      const response = await app.inject({ url: '/open', headers: authorization ? { authorization } : {} });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json().caller, { user: null, token: null, service: null });
    }
  });

  it('knows a user only by a token identity signed, with an expiry', async () => {
    const ok = await app.inject({ method: 'PUT', url: '/mine', payload: { quantity: 1 }, headers: await bearer({ sub: 'usr_ada' }) });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { user: 'usr_ada' });
    const refused = {
      'plain identity headers': { 'x-user-id': 'usr_ada', 'x-user-role': 'admin' },
      'a token without exp': await bearer({ sub: 'usr_ada' }, { exp: null }),
      'an expired token': await bearer({ sub: 'usr_ada' }, { exp: '-5s' }),
      'a token signed by another key with the same kid': await bearer({ sub: 'usr_ada' }, { key: strangerKey }),
      'a token for another audience': await bearer({ sub: 'usr_ada' }, { audience: 'elsewhere' }),
      'a token naming nobody': await bearer({}),
      'a service credential instead of a user': await orders.serviceToken('cart').then((t) => ({ authorization: `Bearer ${t}` })),
    };
    for (const [label, headers] of Object.entries(refused)) {
      // The body is invalid too: the 401 comes first.
      const response = await app.inject({ method: 'PUT', url: '/mine', payload: { quantity: 'lots' }, headers });
      assert.equal(response.statusCode, 401, label);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/, label);
    }
  });

  it('answers 403 to a customer on an admin route', async () => {
    assert.equal((await app.inject({ url: '/admin', headers: await bearer({ sub: 'usr_ada' }) })).statusCode, 403);
    assert.equal((await app.inject({ url: '/admin', headers: await bearer({ sub: 'usr_root', role: 'admin' }) })).statusCode, 200);
  });

  it('opens service routes only to a service credential signed by the named service\'s key and addressed to this one', async () => {
    const ok = await app.inject({ url: '/internal/state', headers: { [SERVICE_TOKEN_HEADER]: await orders.serviceToken('cart') } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { caller: 'orders' });
    const refused = {
      none: {},
      'an admin token': await bearer({ sub: 'usr_root', role: 'admin' }),
      'a credential for another service': { [SERVICE_TOKEN_HEADER]: await orders.serviceToken('payments') },
      'a key the bundle does not name': { [SERVICE_TOKEN_HEADER]: await impostor.serviceToken('cart') },
      garbage: { [SERVICE_TOKEN_HEADER]: 'x.y.z' },
    };
    for (const [label, headers] of Object.entries(refused)) {
      assert.equal((await app.inject({ url: '/internal/state', headers })).statusCode, 401, label);
    }
    assert.equal((await app.inject({ url: '/undeclared', headers: await bearer({ sub: 'usr_root', role: 'admin' }) })).statusCode, 401, 'undeclared routes are for services');
  });

  it('needs both a service and a user where a service acts for a user', async () => {
    const service = { [SERVICE_TOKEN_HEADER]: await orders.serviceToken('cart') };
    const user = await bearer({ sub: 'usr_ada' });
    assert.equal((await app.inject({ method: 'POST', url: '/internal/for-user', headers: service })).statusCode, 401);
    assert.equal((await app.inject({ method: 'POST', url: '/internal/for-user', headers: user })).statusCode, 401);
    const both = await app.inject({ method: 'POST', url: '/internal/for-user', headers: { ...service, ...user } });
    assert.equal(both.statusCode, 200);
    assert.deepEqual(both.json(), { service: 'orders', user: 'usr_ada' });
  });

  it('reuses a credential until it nears expiry', async () => {
    assert.equal(await orders.serviceToken('cart'), await orders.serviceToken('cart'));
  });
});

describe('trust: key material from configuration', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'microshop-keys-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a private key per process and the bundle once, all 0600 in a 0700 directory, and keeps them', async () => {
    const data = join(dir, 'data');
    const first = await ensureLocalKeys(data, ['gateway', 'cart']);
    for (const path of [data, first.dir]) assert.equal((await stat(path)).mode & 0o777, 0o700, path);
    for (const path of [first.trustFile, first.identitySigningFile, first.serviceKeyFile('cart')]) assert.equal((await stat(path)).mode & 0o777, 0o600, path);
    const config = loadConfig({ trust: trustBundle(), key: serviceKey('cart') }, { MICROSHOP_DATA_DIR: data });
    assert.deepEqual(Object.keys(config.trust.services).sort(), ['cart', 'gateway']);
    assert.equal('d' in (config.trust.services.cart ?? {}), false, 'the bundle holds public keys only');
    assert.equal(config.key.kid, 'cart');
    await ensureLocalKeys(data, ['gateway', 'cart']);
    const again = loadConfig({ key: serviceKey('cart') }, { MICROSHOP_DATA_DIR: data });
    assert.deepEqual(again.key, config.key, 'a second start keeps the keys');
  });

  it('refuses a key file other users can read, a bundle with a private key, and missing material, naming the variable', async () => {
    const keyFile = join(dir, 'open.key.json');
    await writeFile(keyFile, JSON.stringify(await newServiceKey('cart')));
    await chmod(keyFile, 0o644);
    assert.throws(() => loadConfig({ key: serviceKey('cart') }, { MICROSHOP_SERVICE_KEY_FILE: keyFile }), /MICROSHOP_SERVICE_KEY \(MICROSHOP_SERVICE_KEY_FILE\) names .* other users can read/);
    const leaky = JSON.stringify({ identity: { keys: [await newUserTokenKey()] }, services: {} });
    assert.throws(() => loadConfig({ trust: trustBundle() }, { MICROSHOP_TRUST: leaky }), /holds a private key/);
    assert.throws(() => loadConfig({ trust: trustBundle() }, { MICROSHOP_DATA_DIR: join(dir, 'nowhere') }), /MICROSHOP_TRUST .* does not exist/);
  });
});
