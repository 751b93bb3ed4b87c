import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testEngines } from '@microshop/testing';
import { buildApp, loadCatalogConfig } from '../src/index.js';

type Product = { id: string; name: string; description: string; category: string; priceCents: number; currency: string };

for (const engine of await testEngines()) {
  describe(`catalog routes on ${engine.name}`, { skip: engine.skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let app: Awaited<ReturnType<typeof buildApp>>;

    before(async () => {
      target = await engine.create('catalog');
      const config = loadCatalogConfig({
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

    it('has no write routes yet: POST is a 404 problem, malformed JSON a 400, never a 500', async () => {
      const post = await app.inject({ method: 'POST', url: '/api/products', payload: { name: 'x' } });
      assert.equal(post.statusCode, 404);
      const malformed = await app.inject({
        method: 'POST',
        url: '/api/products',
        headers: { 'content-type': 'application/json' },
        payload: '{',
      });
      assert.equal(malformed.statusCode, 400);
      const huge = await app.inject({
        method: 'POST',
        url: '/api/products',
        headers: { 'content-type': 'application/json' },
        payload: `{"a":"${'x'.repeat(1024 * 1024)}"}`,
      });
      assert.equal(huge.statusCode, 413);
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
