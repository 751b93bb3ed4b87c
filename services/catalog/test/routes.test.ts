import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testEngines, testTrust } from '@microshop/testing';
import { buildApp, loadCatalogConfig } from '../src/index.js';

type Product = { id: string; name: string; description: string; category: string; priceCents: number; currency: string };

const trust = await testTrust();
const admin = await trust.asUser({ id: 'usr_root', role: 'admin', email: 'admin@example.com', name: 'Admin' });
const customer = await trust.asUser({ id: 'usr_ada', role: 'customer', email: 'ada@example.com', name: 'Ada' });

for (const engine of await testEngines()) {
  describe(`catalog routes on ${engine.name}`, { skip: engine.skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let app: Awaited<ReturnType<typeof buildApp>>;

    before(async () => {
      target = await engine.create('catalog');
      const config = loadCatalogConfig({
        ...trust.env('catalog'),
        MICROSHOP_DATA_DIR: target.dataDir,
        CATALOG_DATABASE_URL: target.databaseUrl,
        LOG_LEVEL: 'silent',
      });
      app = await buildApp(config);
    });
    after(async () => {
      await app?.close();
      await target?.cleanup();
    });

    const get = async (url: string) => {
      const response = await app.inject({ url });
      return { status: response.statusCode, body: response.json(), type: String(response.headers['content-type']) };
    };

    it('seeds at least 40 products in at least 5 categories', async () => {
      const categories = await get('/api/categories');
      assert.equal(categories.status, 200);
      assert.ok(categories.body.items.length >= 5);
      const ids = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: { body: { items: Product[]; nextCursor: string | null } } = await get(
          `/api/products?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        );
        for (const p of page.body.items) ids.add(p.id);
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.ok(ids.size >= 40, `only ${ids.size} products`);
    });

    it('lists 20 products by default with every Product field', async () => {
      const { status, body } = await get('/api/products');
      assert.equal(status, 200);
      assert.equal(body.items.length, 20);
      assert.equal(typeof body.nextCursor, 'string');
      assert.deepEqual(Object.keys(body.items[0]).sort(), [
        'category',
        'currency',
        'description',
        'id',
        'imageUrl',
        'name',
        'priceCents',
        'sku',
      ]);
      assert.ok(Number.isInteger(body.items[0].priceCents));
    });

    it('pages with cursors through every product exactly once, in name order', async () => {
      const seen: Product[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { status: number; body: { items: Product[]; nextCursor: string | null } } = await get(
          `/api/products?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        assert.equal(page.status, 200);
        seen.push(...page.body.items);
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      const ids = seen.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, 'no product twice');
      const all = (await get('/api/products?limit=100')).body.items as Product[];
      assert.equal(ids.length, all.length);
      const names = seen.map((p) => p.name);
      assert.deepEqual(
        names,
        [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    });

    it('searches name and description, case-insensitively, every word', async () => {
      const { body } = await get('/api/products?q=COFFEE');
      assert.ok(body.items.length >= 3);
      for (const p of body.items as Product[]) assert.match(`${p.name} ${p.description}`, /coffee/i);
      const narrower = await get('/api/products?q=coffee%20steel');
      for (const p of narrower.body.items as Product[]) {
        assert.match(`${p.name} ${p.description}`, /coffee/i);
        assert.match(`${p.name} ${p.description}`, /steel/i);
      }
      assert.deepEqual((await get('/api/products?q=%25%25')).body.items, [], 'wildcards are literal');
    });

    it('filters by category and combines it with search', async () => {
      const categories = (await get('/api/categories')).body.items as { id: string }[];
      const category = categories[0]?.id ?? '';
      const { body } = await get(`/api/products?category=${category}&limit=100`);
      assert.ok(body.items.length > 0);
      for (const p of body.items as Product[]) assert.equal(p.category, category);
      assert.deepEqual((await get('/api/products?category=no-such-category')).body, { items: [], nextCursor: null });
    });

    it('finds a product by id and answers 404 problem+json otherwise', async () => {
      const first = (await get('/api/products?limit=1')).body.items[0] as Product;
      const found = await get(`/api/products/${first.id}`);
      assert.equal(found.status, 200);
      assert.deepEqual(found.body, first);
      const missing = await get('/api/products/prod-does-not-exist');
      assert.equal(missing.status, 404);
      assert.match(missing.type, /^application\/problem\+json/);
      assert.equal(missing.body.type, 'urn:microshop:problem:product-not-found');
    });

    for (const [query, path] of [
      ['limit=0', 'query.limit'],
      ['limit=101', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['limit=2.5', 'query.limit'],
      ['cursor=bogus!', 'query.cursor'],
      ['cursor=abc', 'query.cursor'],
      ['color=red', 'query.color'],
      [`q=${'x'.repeat(201)}`, 'query.q'],
      ['category=../../etc', 'query.category'],
    ] as const) {
      it(`rejects ${query.slice(0, 20)} with 400 naming ${path}`, async () => {
        const { status, body, type } = await get(`/api/products?${query}`);
        assert.equal(status, 400);
        assert.match(type, /^application\/problem\+json/);
        assert.ok(
          body.errors.some((e: { path: string }) => e.path === path),
          JSON.stringify(body.errors),
        );
      });
    }

    const newProduct = {
      sku: 'MS-TST-001',
      name: 'Test Teapot',
      description: 'A small teapot for tests.',
      priceCents: 1999,
      currency: 'USD',
      category: 'kitchen',
    };

    it('lets only an admin write: 401 anonymous, 403 customer, 201 admin', async () => {
      const anonymous = await app.inject({ method: 'POST', url: '/api/products', payload: newProduct });
      assert.equal(anonymous.statusCode, 401);
      const asCustomer = await app.inject({ method: 'POST', url: '/api/products', payload: newProduct, headers: customer });
      assert.equal(asCustomer.statusCode, 403);
      const created = await app.inject({ method: 'POST', url: '/api/products', payload: newProduct, headers: admin });
      assert.equal(created.statusCode, 201);
      assert.deepEqual(created.json(), { ...newProduct, id: 'prod-ms-tst-001', imageUrl: '' });
      assert.equal((await get('/api/products/prod-ms-tst-001')).status, 200);
      const again = await app.inject({ method: 'POST', url: '/api/products', payload: newProduct, headers: admin });
      assert.equal(again.statusCode, 409);
    });

    it('rejects bad product input with 400 naming each field, and writes nothing', async () => {
      const bad = await app.inject({
        method: 'POST',
        url: '/api/products',
        headers: admin,
        payload: { ...newProduct, sku: 'MS-TST-002', priceCents: -1, currency: 'usd', name: 7, colour: 'red' },
      });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(bad.json().errors.map((e: { path: string }) => e.path).sort(), ['colour', 'currency', 'name', 'priceCents']);
      const unknownCategory = await app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: { ...newProduct, sku: 'MS-TST-003', category: 'nope' } });
      assert.equal(unknownCategory.statusCode, 400);
      assert.deepEqual(unknownCategory.json().errors, [{ path: 'category', message: 'is not a known category' }]);
      assert.equal((await get('/api/products/prod-ms-tst-003')).status, 404);
      const malformed = await app.inject({ method: 'POST', url: '/api/products', headers: { ...admin, 'content-type': 'application/json' }, payload: '{' });
      assert.equal(malformed.statusCode, 400);
      const huge = await app.inject({
        method: 'POST',
        url: '/api/products',
        headers: { ...admin, 'content-type': 'application/json' },
        payload: `{"a":"${'x'.repeat(1024 * 1024)}"}`,
      });
      assert.equal(huge.statusCode, 413);
    });

    it('changes a product with PATCH and deletes it with DELETE', async () => {
      const patched = await app.inject({ method: 'PATCH', url: '/api/products/prod-ms-tst-001', headers: admin, payload: { priceCents: 2499 } });
      assert.equal(patched.statusCode, 200);
      assert.equal(patched.json().priceCents, 2499);
      assert.equal((await get('/api/products/prod-ms-tst-001')).body.priceCents, 2499);
      assert.equal((await app.inject({ method: 'PATCH', url: '/api/products/prod-ms-tst-001', headers: admin, payload: {} })).statusCode, 400);
      assert.equal((await app.inject({ method: 'PATCH', url: '/api/products/prod-nope', headers: admin, payload: { priceCents: 1 } })).statusCode, 404);
      const takenSku = await app.inject({ method: 'PATCH', url: '/api/products/prod-ms-tst-001', headers: admin, payload: { sku: 'MS-KIT-001' } });
      assert.equal(takenSku.statusCode, 409);
      assert.equal((await app.inject({ method: 'DELETE', url: '/api/products/prod-ms-tst-001', headers: customer })).statusCode, 403);
      assert.equal((await app.inject({ method: 'DELETE', url: '/api/products/prod-ms-tst-001', headers: admin })).statusCode, 204);
      assert.equal((await app.inject({ method: 'DELETE', url: '/api/products/prod-ms-tst-001', headers: admin })).statusCode, 404);
      assert.equal((await get('/api/products/prod-ms-tst-001')).status, 404);
    });

    it('documents its routes in OpenAPI 3.1', async () => {
      const { body } = await get('/openapi.json');
      assert.equal(body.openapi, '3.1.0');
      assert.ok(body.paths['/api/products'].get);
      assert.ok(body.paths['/api/products/{id}'].get);
      assert.ok(body.paths['/api/categories'].get);
    });

    it('is ready when its database answers', async () => {
      const { status, body } = await get('/readyz');
      assert.equal(status, 200);
      assert.equal(body.checks.database, 'ok');
    });
  });
}
