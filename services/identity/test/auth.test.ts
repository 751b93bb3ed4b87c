import assert from 'node:assert/strict';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@microshop/contracts';
import { testEngines, testTrust } from '@microshop/testing';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '@microshop/data';
import { migrations } from '../src/data/migrations/index.js';
import type { IdentityDatabase } from '../src/data/schema.js';
import { buildApp, loadIdentityConfig } from '../src/index.js';

const trust = await testTrust();

for (const engine of await testEngines()) {
  describe(`identity on ${engine.name}`, { skip: engine.skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let app: Awaited<ReturnType<typeof buildApp>>;
    const announced: string[] = [];

    before(async () => {
      target = await engine.create('identity');
      const config = loadIdentityConfig({
        ...trust.env('identity'),
        MICROSHOP_DATA_DIR: target.dataDir,
        IDENTITY_DATABASE_URL: target.databaseUrl,
        IDENTITY_SCRYPT_COST: '1024',
        LOG_LEVEL: 'silent',
      });
      app = await buildApp(config, { announce: (line) => announced.push(line) });
    });
    after(async () => {
      await app?.close();
      await target?.cleanup();
    });

    const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

    it('registers a customer, answering 201 with the user and an ES256 token the JWKS verifies', async () => {
      const response = await post('/api/auth/register', { email: 'Ada@Example.com', password: 'correct horse', name: 'Ada' });
      assert.equal(response.statusCode, 201);
      const { user, token } = response.json();
      assert.match(user.id, /^usr_/);
      assert.deepEqual({ ...user, id: undefined }, { id: undefined, email: 'ada@example.com', name: 'Ada', role: 'customer' });
      const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json();
      assert.ok(jwks.keys.length >= 1);
      assert.equal(jwks.keys[0].d, undefined, 'no private part published');
      const header = decodeProtectedHeader(token);
      assert.equal(header.alg, 'ES256');
      assert.ok(jwks.keys.some((k: { kid: string }) => k.kid === header.kid));
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE });
      assert.equal(payload.sub, user.id);
      assert.equal(payload.role, 'customer');
    });

    it('stores a scrypt hash, never the password, and announces the registration through the outbox', async () => {
      const { user } = (await post('/api/auth/register', { email: 'grace@example.com', password: 'hopper-1906', name: 'Grace' })).json();
      const own = await openDatabase<IdentityDatabase>({ service: 'identity', dataDir: target.dataDir, databaseUrl: target.databaseUrl, migrations });
      try {
        const row = await own.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
        assert.match(row.password_hash, /^scrypt\$1024\$8\$1\$/);
        assert.doesNotMatch(row.password_hash, /hopper/);
        const events = await own.db.selectFrom('outbox').select(['type', 'body']).where('type', '=', 'identity.user.registered').execute();
        const mine = events.map((e) => JSON.parse(e.body)).find((e) => e.subject === user.id);
        assert.deepEqual(mine?.data, { userId: user.id, email: 'grace@example.com', name: 'Grace' });
        assert.doesNotMatch(JSON.stringify(events), /hopper/);
      } finally {
        await own.close();
      }
    });

    it('refuses a second account with the same email, whatever its case, with 409', async () => {
      const response = await post('/api/auth/register', { email: 'ADA@example.com', password: 'another one', name: 'Imposter' });
      assert.equal(response.statusCode, 409);
      assert.deepEqual(response.json().errors, [{ path: 'email', message: 'is already registered' }]);
    });

    for (const [label, body, field] of [
      ['a short password', { email: 'x@example.com', password: 'short', name: 'X' }, 'password'],
      ['an invalid email', { email: 'not-an-email', password: 'long enough', name: 'X' }, 'email'],
      ['a blank name', { email: 'y@example.com', password: 'long enough', name: '   ' }, 'name'],
      ['an unknown field', { email: 'z@example.com', password: 'long enough', name: 'Z', role: 'admin' }, 'role'],
      ['a wrong type', { email: 'w@example.com', password: 12345678, name: 'W' }, 'password'],
    ] as const) {
      it(`rejects ${label} with 400 naming ${field}, and creates nothing`, async () => {
        const response = await post('/api/auth/register', body);
        assert.equal(response.statusCode, 400);
        assert.ok(response.json().errors.some((e: { path: string }) => e.path === field), JSON.stringify(response.json().errors));
        const login = await post('/api/auth/login', { email: body.email, password: 'long enough' });
        assert.equal(login.statusCode, 401);
      });
    }

    it('signs in with the right password and gives the same 401 for a wrong password or an unknown email', async () => {
      const ok = await post('/api/auth/login', { email: 'ada@example.com', password: 'correct horse' });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().user.email, 'ada@example.com');
      const wrong = await post('/api/auth/login', { email: 'ada@example.com', password: 'wrong horse' });
      const unknown = await post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong horse' });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined });
      assert.deepEqual(strip(wrong.json()), strip(unknown.json()));
    });

    it('answers /api/auth/me for the user its own token names, and 401 for plain identity headers or none', async () => {
      const { user, token } = (await post('/api/auth/login', { email: 'ada@example.com', password: 'correct horse' })).json();
      const me = await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.statusCode, 200);
      assert.deepEqual(me.json(), user);
      const forged = { 'x-user-id': user.id, 'x-user-role': 'admin', 'x-user-email': user.email, 'x-user-name': 'Ada' };
      for (const headers of [{}, forged]) {
        const anonymous = await app.inject({ url: '/api/auth/me', headers });
        assert.equal(anonymous.statusCode, 401);
        assert.match(String(anonymous.headers['content-type']), /^application\/problem\+json/);
      }
    });

    it('keeps no private key in its database, and publishes exactly the trust bundle\'s identity keys', async () => {
      const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json();
      assert.deepEqual(jwks, { keys: trust.bundle.identity.keys });
      const own = await openDatabase<IdentityDatabase>({ service: 'identity', dataDir: target.dataDir, databaseUrl: target.databaseUrl, migrations });
      try {
        const tables = (await own.db.introspection.getTables()).map((t) => t.name);
        assert.ok(!tables.includes('signing_keys'), tables.join(', '));
      } finally {
        await own.close();
      }
    });

    it('refuses to start with a signing key the trust bundle does not hold', async () => {
      const env = trust.env('identity');
      const stranger = JSON.parse(env.IDENTITY_SIGNING_KEY ?? '{}');
      await assert.rejects(
        buildApp(loadIdentityConfig({ ...env, IDENTITY_SIGNING_KEY: JSON.stringify({ ...stranger, kid: 'not-in-bundle' }), MICROSHOP_DATA_DIR: target.dataDir, IDENTITY_DATABASE_URL: target.databaseUrl, LOG_LEVEL: 'silent' })),
        /trust bundle does not hold identity's signing key not-in-bundle/,
      );
    });

    it('seeds the admin once, printing the generated password', async () => {
      assert.equal(announced.length, 1);
      const password = /admin@microshop\.local \/ (\S+)/.exec(announced[0] ?? '')?.[1] ?? '';
      const login = await post('/api/auth/login', { email: 'admin@microshop.local', password });
      assert.equal(login.statusCode, 200);
      assert.equal(login.json().user.role, 'admin');
    });
  });
}
