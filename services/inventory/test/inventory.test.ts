import assert from 'node:assert/strict';
import type { EventData, EventType } from '@microshop/contracts';
import { openDatabase } from '@microshop/data';
import { type CloudEvent, createMessagingTables, createTransport, EventBus, type MessagingTables, type Transport } from '@microshop/messaging';
import { NATS_URL, natsUnreachable, REQUIRE_INFRA, testEngines, testTrust } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildApp, loadInventoryConfig } from '../src/index.js';

const silent = { info() {}, warn() {}, error() {} };
const trust = await testTrust();
const admin = await trust.asUser({ id: 'usr_root', role: 'admin', email: 'root@example.com', name: 'Root' });
const customer = await trust.asUser({ id: 'usr_ada', role: 'customer', email: 'ada@example.com', name: 'Ada' });
const product = (id: string) => ({ id, sku: id, name: id, description: '', priceCents: 100, currency: 'USD', category: 'kitchen', imageUrl: '' });

const natsDown = await natsUnreachable();
for (const engine of await testEngines()) {
  const bus = engine.name === 'postgres' ? NATS_URL : 'embedded';
  const skip = engine.skip || (bus !== 'embedded' && natsDown && !REQUIRE_INFRA ? `${natsDown} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false);

  describe(`inventory on ${engine.name} with the ${bus === 'embedded' ? 'embedded' : 'NATS'} bus`, { skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let standInDb: Awaited<ReturnType<typeof openDatabase<MessagingTables>>>;
    let transport: Transport;
    let standIn: EventBus<MessagingTables>;
    const outcomes: CloudEvent[] = [];
    const namespace = `inv${process.pid}${Math.random().toString(36).slice(2, 7)}`;

    const publish = <K extends EventType>(type: K, subject: string, data: EventData<K>) =>
      standIn.transaction(async (_trx, emit) => emit(type, subject, data));
    const level = async (productId: string) => (await app.inject({ url: `/api/inventory/${productId}` })).json().available as number;
    const until = async (what: string, check: () => Promise<boolean> | boolean) => {
      const deadline = Date.now() + 15_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const outcomeOf = async (orderId: string) => {
      await until(`the outcome of ${orderId}`, () => outcomes.some((e) => e.subject === orderId));
      return outcomes.find((e) => e.subject === orderId) as CloudEvent;
    };
    const place = (orderId: string, items: Array<{ productId: string; quantity: number }>) =>
      publish('orders.order.placed', orderId, {
        orderId,
        userId: 'usr_ada',
        items: items.map((i) => ({ ...i, unitPriceCents: 100 })),
        totalCents: 100,
        currency: 'USD',
        paymentMethodId: 'pm_test',
      });

    before(async () => {
      if (bus !== 'embedded' && natsDown) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${natsDown}`);
      target = await engine.create('inventory');
      app = await buildApp(
        loadInventoryConfig({
          ...trust.env('inventory'),
          MICROSHOP_DATA_DIR: target.dataDir,
          INVENTORY_DATABASE_URL: target.databaseUrl,
          MICROSHOP_BUS: bus,
          MICROSHOP_BUS_NAMESPACE: namespace,
          INVENTORY_INITIAL_STOCK: '5',
          LOG_LEVEL: 'silent',
        }),
      );
      standInDb = await openDatabase<MessagingTables>({ service: 'stand-in', dataDir: target.dataDir, migrations: { '0001': createMessagingTables } });
      transport = await createTransport({ bus, dataDir: target.dataDir, name: 'stand-in', namespace });
      standIn = new EventBus(standInDb.db, { service: 'orders', transport, log: silent });
      const record = async (_trx: unknown, event: CloudEvent) => void outcomes.push(event);
      standIn.on('inventory.stock.reserved', record).on('inventory.stock.rejected', record);
      await standIn.start();
      for (const id of ['p-a', 'p-b', 'p-last']) await publish('catalog.product.upserted', id, { product: product(id) });
      await until('stock levels', async () => (await app.inject({ url: '/api/inventory/p-last' })).statusCode === 200);
    });
    after(async () => {
      await standIn?.stop();
      if (transport?.kind === 'nats') await (transport as unknown as { destroy(): Promise<void> }).destroy();
      await transport?.close();
      await standInDb?.close();
      await app?.close();
      await target?.cleanup();
    });

    it('gives a product it first hears of the initial stock, and 404 for one it does not know', async () => {
      assert.deepEqual((await app.inject({ url: '/api/inventory/p-a' })).json(), { productId: 'p-a', available: 5 });
      assert.equal((await app.inject({ url: '/api/inventory/p-none' })).statusCode, 404);
    });

    it('lets only an admin set the stock level, rejecting bad values', async () => {
      assert.equal((await app.inject({ method: 'PUT', url: '/api/inventory/p-last', payload: { available: 1 } })).statusCode, 401);
      assert.equal((await app.inject({ method: 'PUT', url: '/api/inventory/p-last', payload: { available: 1 }, headers: customer })).statusCode, 403);
      for (const payload of [{ available: -1 }, { available: 1.5 }, { available: '1' }, { available: 1, extra: 1 }]) {
        const response = await app.inject({ method: 'PUT', url: '/api/inventory/p-last', payload, headers: admin });
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
      }
      const ok = await app.inject({ method: 'PUT', url: '/api/inventory/p-last', payload: { available: 1 }, headers: admin });
      assert.deepEqual(ok.json(), { productId: 'p-last', available: 1 });
    });

    it('reserves a whole order and announces it', async () => {
      await place('ord-1', [
        { productId: 'p-a', quantity: 2 },
        { productId: 'p-b', quantity: 1 },
      ]);
      assert.equal((await outcomeOf('ord-1')).type, 'inventory.stock.reserved');
      assert.equal(await level('p-a'), 3);
      assert.equal(await level('p-b'), 4);
    });

    it('rejects an order it cannot cover, naming the short products, and keeps stock as it was', async () => {
      await place('ord-2', [
        { productId: 'p-a', quantity: 1 },
        { productId: 'p-b', quantity: 10 },
      ]);
      const outcome = await outcomeOf('ord-2');
      assert.equal(outcome.type, 'inventory.stock.rejected');
      assert.deepEqual((outcome.data as { productIds: string[] }).productIds, ['p-b']);
      assert.equal(await level('p-a'), 3);
      assert.equal(await level('p-b'), 4);
    });

    it('lets exactly one of two orders for the last item win', async () => {
      await Promise.all([place('ord-race-1', [{ productId: 'p-last', quantity: 1 }]), place('ord-race-2', [{ productId: 'p-last', quantity: 1 }])]);
      const types = [(await outcomeOf('ord-race-1')).type, (await outcomeOf('ord-race-2')).type].sort();
      assert.deepEqual(types, ['inventory.stock.rejected', 'inventory.stock.reserved']);
      assert.equal(await level('p-last'), 0);
    });

    it('returns a cancelled order’s reservations exactly once', async () => {
      await publish('orders.order.cancelled', 'ord-1', { orderId: 'ord-1', userId: 'usr_ada', reason: 'PAYMENT_DECLINED' });
      await until('the release', async () => (await level('p-a')) === 5);
      assert.equal(await level('p-b'), 5);
      await publish('orders.order.cancelled', 'ord-1', { orderId: 'ord-1', userId: 'usr_ada', reason: 'PAYMENT_DECLINED' });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await level('p-a'), 5, 'a second cancellation returns nothing more');
    });

    it('reserves nothing for an order whose cancellation (its deadline passed) overtook its placement', async () => {
      // Events of one type are handled in order: a marker order's release, cancelled after it,
      // shows that the early cancellation was handled; the next order's outcome, that the late placement was.
      await place('ord-marker', [{ productId: 'p-b', quantity: 1 }]);
      await outcomeOf('ord-marker');
      assert.equal(await level('p-b'), 4);
      await publish('orders.order.cancelled', 'ord-late', { orderId: 'ord-late', userId: 'usr_ada', reason: 'TIMED_OUT' });
      await publish('orders.order.cancelled', 'ord-marker', { orderId: 'ord-marker', userId: 'usr_ada', reason: 'TIMED_OUT' });
      await until('the marker’s release', async () => (await level('p-b')) === 5);
      await place('ord-late', [{ productId: 'p-a', quantity: 2 }]);
      await place('ord-after-late', [{ productId: 'p-b', quantity: 1 }]);
      await outcomeOf('ord-after-late');
      assert.deepEqual(outcomes.filter((e) => e.subject === 'ord-late'), [], 'no reservation, and nobody to tell');
      assert.equal(await level('p-a'), 5, 'nothing of p-a is held');
    });
  });
}
