import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testEngines, testTrust } from '@microshop/testing';
import { buildApp, loadCatalogConfig } from '../src/index.js';

const trust = await testTrust();
const admin = await trust.asUser({ id: 'usr_root', role: 'admin', email: 'admin@example.com', name: 'Admin' });
const input = (sku: string, extra: Record<string, unknown> = {}) => ({
  sku,
  name: `Product ${sku.slice(0, 20)}`,
  description: '',
  priceCents: 1000,
  currency: 'USD',
  category: 'kitchen',
  ...extra,
});

for (const engine of await testEngines()) {
  describe(`catalog product ids and the shop currency on ${engine.name}`, { skip: engine.skip }, () => {
    const targets: Awaited<ReturnType<typeof engine.create>>[] = [];
    const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
    const start = async (env: Record<string, string> = {}) => {
      const target = await engine.create('catalog_input');
      targets.push(target);
      const app = await buildApp(
        loadCatalogConfig({ ...trust.env('catalog'), MICROSHOP_DATA_DIR: target.dataDir, CATALOG_DATABASE_URL: target.databaseUrl, LOG_LEVEL: 'silent', ...env }),
      );
      apps.push(app);
      return app;
    };
    let app: Awaited<ReturnType<typeof buildApp>>;

    before(async () => {
      app = await start();
    });
    after(async () => {
      for (const a of apps) await a.close();
      for (const t of targets) await t.cleanup();
    });

    const create = (payload: object) => app.inject({ method: 'POST', url: '/api/products', headers: admin, payload });

    it('seeds in USD', async () => {
      const { items } = (await app.inject({ url: '/api/products?limit=100' })).json();
      assert.ok(items.length >= 40);
      assert.deepEqual([...new Set(items.map((p: { currency: string }) => p.currency))], ['USD']);
    });

    for (const length of [59, 60, 64]) {
      it(`gives a ${length}-character SKU an id that fits, and the product can be read back`, async () => {
        const sku = `L${length}-${'x'.repeat(length - 4)}`;
        assert.equal(sku.length, length);
        const created = await create(input(sku));
        assert.equal(created.statusCode, 201, created.body);
        const { id } = created.json();
        assert.ok(id.length <= 64, id);
        assert.match(id, /^[A-Za-z0-9_-]+$/);
        const read = await app.inject({ url: `/api/products/${id}` });
        assert.equal(read.statusCode, 200);
        assert.equal(read.json().sku, sku);
      });
    }

    it('keeps a short SKU’s id as prod-<sku>, and long SKUs that share a beginning apart', async () => {
      assert.equal((await create(input('MS-SHORT-1'))).json().id, 'prod-ms-short-1');
      const stem = 'S'.repeat(60);
      const a = (await create(input(`${stem}AAAA`))).json().id;
      const b = (await create(input(`${stem}BBBB`))).json().id;
      assert.notEqual(a, b);
      assert.equal((await app.inject({ url: '/api/products/prod-bamboo-cutting-board' })).statusCode, 200, 'the seeded ids stay');
    });

    it('refuses a product in another currency with 400 naming currency, and writes nothing', async () => {
      const foreign = await create(input('MS-EUR-1', { currency: 'EUR' }));
      assert.equal(foreign.statusCode, 400);
      assert.match(String(foreign.headers['content-type']), /^application\/problem\+json/);
      assert.deepEqual(foreign.json().errors.map((e: { path: string }) => e.path), ['currency']);
      assert.match(foreign.json().detail, /USD/);
      assert.equal((await app.inject({ url: '/api/products/prod-ms-eur-1' })).statusCode, 404);

      const patched = await app.inject({ method: 'PATCH', url: '/api/products/prod-bamboo-cutting-board', headers: admin, payload: { currency: 'EUR', priceCents: 1 } });
      assert.equal(patched.statusCode, 400);
      assert.deepEqual(patched.json().errors.map((e: { path: string }) => e.path), ['currency']);
      const unchanged = (await app.inject({ url: '/api/products/prod-bamboo-cutting-board' })).json();
      assert.equal(unchanged.currency, 'USD');
      assert.equal(unchanged.priceCents, 1450);
      assert.equal((await app.inject({ method: 'PATCH', url: '/api/products/prod-bamboo-cutting-board', headers: admin, payload: { currency: 'USD' } })).statusCode, 200);
    });

    it('in a EUR shop, seeds in EUR and takes only EUR products', async () => {
      const euro = await start({ MICROSHOP_CURRENCY: 'EUR' });
      const { items } = (await euro.inject({ url: '/api/products?limit=100' })).json();
      assert.deepEqual([...new Set(items.map((p: { currency: string }) => p.currency))], ['EUR']);
      const usd = await euro.inject({ method: 'POST', url: '/api/products', headers: admin, payload: input('MS-USD-1') });
      assert.equal(usd.statusCode, 400);
      assert.deepEqual(usd.json().errors.map((e: { path: string }) => e.path), ['currency']);
      const eur = await euro.inject({ method: 'POST', url: '/api/products', headers: admin, payload: input('MS-EUR-2', { currency: 'EUR' }) });
      assert.equal(eur.statusCode, 201);
    });
  });
}
