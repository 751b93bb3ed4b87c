import assert from 'node:assert/strict';
import type { EventData, EventType } from '@microshop/contracts';
import { openDatabase } from '@microshop/data';
import { createEvent, createMessagingTables, createTransport, enqueue, EventBus, type MessagingTables, type Transport } from '@microshop/messaging';
import { NATS_URL, natsUnreachable, REQUIRE_INFRA, testEngines, testTrust } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildApp, loadCartConfig } from '../src/index.js';

const silent = { info() {}, warn() {}, error() {} };
const trust = await testTrust();
const ada = await trust.asUser({ id: 'usr_ada', role: 'customer', email: 'ada@example.com', name: 'Ada' });
const bob = await trust.asUser({ id: 'usr_bob', role: 'customer', email: 'bob@example.com', name: 'Bob' });
const product = (id: string, priceCents: number) => ({
  id,
  sku: id.toUpperCase(),
  name: `Product ${id}`,
  description: '',
  priceCents,
  currency: 'USD',
  category: 'kitchen',
  imageUrl: '',
});

const natsDown = await natsUnreachable();
for (const engine of await testEngines()) {
  const bus = engine.name === 'postgres' ? NATS_URL : 'embedded';
  const skip = engine.skip || (bus !== 'embedded' && natsDown && !REQUIRE_INFRA ? `${natsDown} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false);

  describe(`cart on ${engine.name} with the ${bus === 'embedded' ? 'embedded' : 'NATS'} bus`, { skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let publisherDb: Awaited<ReturnType<typeof openDatabase<MessagingTables>>>;
    let transport: Transport;
    let publisher: EventBus<MessagingTables>;
    const namespace = `cart${process.pid}${Math.random().toString(36).slice(2, 7)}`;

    /** Stands in for the catalog and orders services: publishes their events through an outbox. */
    const publish = <K extends EventType>(type: K, subject: string, data: EventData<K>) =>
      publisher.transaction(async (_trx, emit) => emit(type, subject, data));

    const cartOf = async (headers: Record<string, string>) => (await app.inject({ url: '/api/cart', headers })).json();
    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + 15_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const put = (productId: string, quantity: unknown, headers = ada) =>
      app.inject({ method: 'PUT', url: `/api/cart/items/${productId}`, payload: { quantity } as object, headers });

    before(async () => {
      if (bus !== 'embedded' && natsDown) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${natsDown}`);
      target = await engine.create('cart');
      app = await buildApp(
        loadCartConfig({ ...trust.env('cart'), MICROSHOP_DATA_DIR: target.dataDir, CART_DATABASE_URL: target.databaseUrl, MICROSHOP_BUS: bus, MICROSHOP_BUS_NAMESPACE: namespace, LOG_LEVEL: 'silent' }),
      );
      publisherDb = await openDatabase<MessagingTables>({ service: 'stand-in', dataDir: target.dataDir, migrations: { '0001': createMessagingTables } });
      transport = await createTransport({ bus, dataDir: target.dataDir, name: 'stand-in', namespace });
      publisher = new EventBus(publisherDb.db, { service: 'catalog', transport, log: silent });
      await publisher.start();
      await publish('catalog.product.upserted', 'p-mug', { product: product('p-mug', 1250) });
      await publish('catalog.product.upserted', 'p-pot', { product: product('p-pot', 3999) });
      await until('the price copy', async () => (await put('p-pot', 1, bob)).statusCode === 200);
      await app.inject({ method: 'DELETE', url: '/api/cart', headers: bob });
    });
    after(async () => {
      await publisher?.stop();
      if (transport?.kind === 'nats') await (transport as unknown as { destroy(): Promise<void> }).destroy();
      await transport?.close();
      await publisherDb?.close();
      await app?.close();
      await target?.cleanup();
    });

    it('starts empty, and adds products with the names and prices of its own copy', async () => {
      assert.deepEqual(await cartOf(ada), { items: [], totalCents: 0, currency: 'USD' });
      assert.equal((await put('p-mug', 2)).statusCode, 200);
      const response = await put('p-pot', 1);
      assert.deepEqual(response.json(), {
        items: [
          { productId: 'p-mug', name: 'Product p-mug', quantity: 2, unitPriceCents: 1250 },
          { productId: 'p-pot', name: 'Product p-pot', quantity: 1, unitPriceCents: 3999 },
        ],
        totalCents: 6499,
        currency: 'USD',
      });
    });

    it('sets, not adds, the quantity', async () => {
      const response = await put('p-mug', 5);
      assert.equal(response.json().items[0].quantity, 5);
    });

    it('keeps every user’s cart to themselves', async () => {
      assert.deepEqual((await cartOf(bob)).items, []);
      assert.equal((await app.inject({ url: '/api/cart' })).statusCode, 401);
    });

    it('answers 404 for a product it does not know', async () => {
      const response = await put('p-unknown', 1);
      assert.equal(response.statusCode, 404);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    });

    for (const [label, payload, path] of [
      ['a zero quantity', { quantity: 0 }, 'quantity'],
      ['a quantity of 100', { quantity: 100 }, 'quantity'],
      ['a quantity as text', { quantity: '2' }, 'quantity'],
      ['an unknown field', { quantity: 1, gift: true }, 'gift'],
      ['no quantity', {}, 'quantity'],
    ] as const) {
      it(`rejects ${label} with 400 naming ${path}, changing nothing`, async () => {
        const before = await cartOf(ada);
        const response = await app.inject({ method: 'PUT', url: '/api/cart/items/p-mug', payload, headers: ada });
        assert.equal(response.statusCode, 400);
        assert.ok(response.json().errors.some((e: { path: string }) => e.path === path));
        assert.deepEqual(await cartOf(ada), before);
      });
    }

    it('follows price changes and deletions from catalog events', async () => {
      await publish('catalog.product.upserted', 'p-mug', { product: { ...product('p-mug', 1250), priceCents: 1500, name: 'Big Mug' } });
      await until('the new price', async () => (await cartOf(ada)).items[0]?.unitPriceCents === 1500);
      assert.equal((await cartOf(ada)).items[0].name, 'Big Mug');
      await publish('catalog.product.deleted', 'p-pot', { productId: 'p-pot' });
      await until('the deletion', async () => (await cartOf(ada)).items.length === 1);
      assert.equal((await put('p-pot', 1)).statusCode, 404);
      // An upsert older than the deletion, arriving late, does not bring the product back.
      const late = createEvent('catalog', 'catalog.product.upserted', 'p-pot', { product: product('p-pot', 3999) }, { time: new Date(Date.now() - 60_000) });
      await publisherDb.db.transaction().execute((trx) => enqueue(trx, [late]));
      await publisher.relay.flush();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await put('p-pot', 1)).statusCode, 404);
    });

    it('lets go of ordered lines when an order is placed', async () => {
      await publish('catalog.product.upserted', 'p-cup', { product: product('p-cup', 700) });
      await until('p-cup', async () => (await put('p-cup', 3)).statusCode === 200);
      await publish('orders.order.placed', 'ord_1', {
        orderId: 'ord_1',
        userId: 'usr_ada',
        items: [{ productId: 'p-mug', quantity: 5, unitPriceCents: 1500 }],
        totalCents: 7500,
        currency: 'USD',
        paymentMethodId: 'pm_test',
      });
      await until('the order to empty the cart', async () => (await cartOf(ada)).items.length === 1);
      assert.equal((await cartOf(ada)).items[0].productId, 'p-cup');
    });

    it('removes one line, and empties the cart with 204', async () => {
      const removed = await app.inject({ method: 'DELETE', url: '/api/cart/items/p-cup', headers: ada });
      assert.equal(removed.statusCode, 200);
      assert.deepEqual(removed.json().items, []);
      await put('p-mug', 1);
      assert.equal((await app.inject({ method: 'DELETE', url: '/api/cart', headers: ada })).statusCode, 204);
      assert.deepEqual((await cartOf(ada)).items, []);
    });
  });
}
