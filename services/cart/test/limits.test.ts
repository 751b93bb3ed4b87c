import assert from 'node:assert/strict';
import type { EventData, EventType } from '@microshop/contracts';
import { openDatabase } from '@microshop/data';
import { createMessagingTables, createTransport, EventBus, type MessagingTables, type Transport } from '@microshop/messaging';
import { NATS_URL, natsUnreachable, REQUIRE_INFRA, testEngines, testTrust, until } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildApp, loadCartConfig } from '../src/index.js';

const silent = { info() {}, warn() {}, error() {} };
const trust = await testTrust();
const ada = await trust.asUser({ id: 'usr_ada', role: 'customer' });
const bob = await trust.asUser({ id: 'usr_bob', role: 'customer' });
const cyd = await trust.asUser({ id: 'usr_cyd', role: 'customer' });
const product = (id: string, priceCents: number, currency = 'USD') => ({
  id,
  sku: id.toUpperCase(),
  name: `Product ${id}`,
  description: '',
  priceCents,
  currency,
  category: 'kitchen',
  imageUrl: '',
});

const natsDown = await natsUnreachable();
for (const engine of await testEngines()) {
  const bus = engine.name === 'postgres' ? NATS_URL : 'embedded';
  const skip = engine.skip || (bus !== 'embedded' && natsDown && !REQUIRE_INFRA ? `${natsDown} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false);

  describe(`cart total ceiling and shop currency on ${engine.name} with the ${bus === 'embedded' ? 'embedded' : 'NATS'} bus`, { skip }, () => {
    const targets: Awaited<ReturnType<typeof engine.create>>[] = [];
    const apps: Awaited<ReturnType<typeof buildApp>>[] = [];
    let app: Awaited<ReturnType<typeof buildApp>>;
    let publisherDb: Awaited<ReturnType<typeof openDatabase<MessagingTables>>>;
    let transport: Transport;
    let publisher: EventBus<MessagingTables>;
    const namespace = `cartlim${process.pid}${Math.random().toString(36).slice(2, 7)}`;

    const start = async (env: Record<string, string> = {}) => {
      const target = await engine.create('cart_limits');
      targets.push(target);
      const built = await buildApp(
        loadCartConfig({ ...trust.env('cart'), MICROSHOP_DATA_DIR: target.dataDir, CART_DATABASE_URL: target.databaseUrl, MICROSHOP_BUS: bus, MICROSHOP_BUS_NAMESPACE: namespace, LOG_LEVEL: 'silent', ...env }),
      );
      apps.push(built);
      return { app: built, dataDir: target.dataDir };
    };
    /** Stands in for the catalog: publishes its events through an outbox. */
    const publish = <K extends EventType>(type: K, subject: string, data: EventData<K>) =>
      publisher.transaction(async (_trx, emit) => emit(type, subject, data));
    const cartOf = async (headers: Record<string, string>) => (await app.inject({ url: '/api/cart', headers })).json();
    const put = (productId: string, quantity: number, headers = ada) =>
      app.inject({ method: 'PUT', url: `/api/cart/items/${productId}`, payload: { quantity }, headers });
    /** The price copy has this product at this price and currency (seen through a throwaway cart). */
    const known = (id: string, priceCents: number) =>
      until(`${id} at ${priceCents}`, async () => {
        const response = await put(id, 1, cyd);
        await app.inject({ method: 'DELETE', url: '/api/cart', headers: cyd });
        return response.statusCode === 200 && response.json().items[0]?.unitPriceCents === priceCents;
      });

    before(async () => {
      if (bus !== 'embedded' && natsDown) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${natsDown}`);
      const started = await start();
      app = started.app;
      publisherDb = await openDatabase<MessagingTables>({ service: 'stand-in', dataDir: started.dataDir, migrations: { '0001': createMessagingTables } });
      transport = await createTransport({ bus, dataDir: started.dataDir, name: 'stand-in', namespace });
      publisher = new EventBus(publisherDb.db, { service: 'catalog', transport, log: silent });
      await publisher.start();
      await publish('catalog.product.upserted', 'p-big', { product: product('p-big', 2_000_000) });
      await publish('catalog.product.upserted', 'p-pen', { product: product('p-pen', 150) });
      await known('p-big', 2_000_000);
      await known('p-pen', 150);
    });
    after(async () => {
      await publisher?.stop();
      if (transport?.kind === 'nats') await (transport as unknown as { destroy(): Promise<void> }).destroy();
      await transport?.close();
      await publisherDb?.close();
      for (const a of apps) await a.close();
      for (const t of targets) await t.cleanup();
    });

    it('refuses with 422 naming the limit a quantity that takes the total over the ceiling, and writes nothing', async () => {
      const response = await put('p-big', 99);
      assert.equal(response.statusCode, 422);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      const body = response.json();
      assert.match(body.detail, /100000000 cents/);
      assert.deepEqual(body.errors.map((e: { path: string }) => e.path), ['quantity']);
      assert.deepEqual(await cartOf(ada), { items: [], totalCents: 0, currency: 'USD' });
    });

    it('takes a cart up to the ceiling exactly, and no further', async () => {
      assert.equal((await put('p-big', 50)).json().totalCents, 100_000_000);
      const over = await put('p-pen', 1);
      assert.equal(over.statusCode, 422);
      assert.deepEqual((await cartOf(ada)).items.map((i: { productId: string }) => i.productId), ['p-big']);
    });

    it('after a price rise, answers the true total and lets the shopper bring it down, not up', async () => {
      await publish('catalog.product.upserted', 'p-big', { product: product('p-big', 3_000_000) });
      await until('the price rise', async () => (await cartOf(ada)).items[0]?.unitPriceCents === 3_000_000);
      const raised = await app.inject({ url: '/api/cart', headers: ada });
      assert.equal(raised.statusCode, 200);
      assert.equal(raised.json().totalCents, 150_000_000);
      assert.equal((await put('p-big', 45)).statusCode, 200, 'lowering is always allowed');
      assert.equal((await put('p-big', 46)).statusCode, 422);
      assert.equal((await put('p-pen', 1)).statusCode, 422);
      assert.equal((await put('p-big', 33)).json().totalCents, 99_000_000);
      await app.inject({ method: 'DELETE', url: '/api/cart', headers: ada });
    });

    it('never adds a product priced in another currency: 422 naming the product', async () => {
      await publish('catalog.product.upserted', 'p-eur', { product: product('p-eur', 100, 'EUR') });
      // The copy arrives like any other; wait until the cart has it (no longer a 404).
      await until('the EUR copy', async () => (await put('p-eur', 1, bob)).statusCode !== 404);
      const response = await put('p-eur', 1, bob);
      assert.equal(response.statusCode, 422);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.match(response.json().detail, /p-eur/);
      assert.match(response.json().detail, /EUR/);
      assert.deepEqual(await cartOf(bob), { items: [], totalCents: 0, currency: 'USD' });
    });

    it('drops a line whose product changed to another currency, and never adds currencies together', async () => {
      await publish('catalog.product.upserted', 'p-mug', { product: product('p-mug', 1450) });
      await known('p-mug', 1450);
      assert.equal((await put('p-mug', 1, bob)).statusCode, 200);
      assert.equal((await put('p-pen', 1, bob)).statusCode, 200);
      await publish('catalog.product.upserted', 'p-mug', { product: product('p-mug', 100, 'EUR') });
      await until('the currency change', async () => (await cartOf(bob)).items.length === 1);
      assert.deepEqual(await cartOf(bob), { items: [{ productId: 'p-pen', name: 'Product p-pen', quantity: 1, unitPriceCents: 150 }], totalCents: 150, currency: 'USD' });
    });

    it('answers in the shop currency', async () => {
      const euro = (await start({ MICROSHOP_CURRENCY: 'EUR', MICROSHOP_BUS: 'embedded' })).app;
      assert.deepEqual((await euro.inject({ url: '/api/cart', headers: ada })).json(), { items: [], totalCents: 0, currency: 'EUR' });
    });
  });
}
