import assert from 'node:assert/strict';
import { openDatabase } from '@microshop/data';
import { type CloudEvent, createMessagingTables, createTransport, EventBus, type MessagingTables, type Transport } from '@microshop/messaging';
import { NATS_URL, natsUnreachable, REQUIRE_INFRA, testEngines, testTrust } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildApp, loadCatalogConfig } from '../src/index.js';

const silent = { info() {}, warn() {}, error() {} };

// The pairs users run: the embedded bus with SQLite on a laptop, NATS JetStream with PostgreSQL in production.
const natsDown = await natsUnreachable();
for (const engine of await testEngines()) {
  const bus = engine.name === 'postgres' ? NATS_URL : 'embedded';
  const skip = engine.skip || (bus !== 'embedded' && natsDown && !REQUIRE_INFRA ? `${natsDown} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false);

  describe(`catalog events on ${engine.name} with the ${bus === 'embedded' ? 'embedded' : 'NATS'} bus`, { skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let listenerDb: Awaited<ReturnType<typeof openDatabase<MessagingTables>>>;
    let transport: Transport;
    let listener: EventBus<MessagingTables>;
    const received: CloudEvent[] = [];
    const namespace = `cat${process.pid}${Math.random().toString(36).slice(2, 7)}`;

    before(async () => {
      if (bus !== 'embedded' && natsDown) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${natsDown}`);
      target = await engine.create('catalog_events');
      const env = {
        ...(await testTrust()).env('catalog'),
        MICROSHOP_DATA_DIR: target.dataDir,
        CATALOG_DATABASE_URL: target.databaseUrl,
        MICROSHOP_BUS: bus,
        MICROSHOP_BUS_NAMESPACE: namespace,
        LOG_LEVEL: 'silent',
      };
      app = await buildApp(loadCatalogConfig(env));
      // A stand-in for the cart: another service's group with its own inbox.
      listenerDb = await openDatabase<MessagingTables>({ service: 'listener', dataDir: target.dataDir, migrations: { '0001': createMessagingTables } });
      transport = await createTransport({ bus, dataDir: target.dataDir, name: 'listener', namespace });
      listener = new EventBus(listenerDb.db, { service: 'listener', transport, log: silent });
      const record = async (_trx: unknown, event: CloudEvent) => {
        received.push(event);
      };
      listener.on('catalog.product.upserted', record).on('catalog.product.deleted', record);
      await listener.start();
    });
    after(async () => {
      await listener?.stop();
      if (transport?.kind === 'nats') await (transport as unknown as { destroy(): Promise<void> }).destroy();
      await transport?.close();
      await listenerDb?.close();
      await app?.close();
      await target?.cleanup();
    });

    const waitFor = async (predicate: () => boolean, what: string) => {
      const deadline = Date.now() + 15_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    it('announces every seeded product once, so a new consumer can build its copy', async () => {
      await waitFor(() => received.filter((e) => e.type === 'catalog.product.upserted').length >= 48, '48 announcements');
      const ids = received.filter((e) => e.type === 'catalog.product.upserted').map((e) => (e.data as { product: { id: string } }).product.id);
      assert.equal(new Set(ids).size, ids.length);
      const first = received[0];
      assert.equal(first?.source, 'catalog');
      assert.equal(first?.subject, (first?.data as { product: { id: string } }).product.id);
    });

    it('publishes catalog.product.upserted with the product when one changes', async () => {
      const product = (await app.inject({ url: '/api/products?limit=1' })).json().items[0];
      const changed = { ...product, priceCents: product.priceCents + 100 };
      await app.productWrites.upsert(changed, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
      await waitFor(() => received.some((e) => e.type === 'catalog.product.upserted' && (e.data as { product: { priceCents: number } }).product.priceCents === changed.priceCents), 'the upsert');
      const event = received.find((e) => (e.data as { product?: { priceCents: number } }).product?.priceCents === changed.priceCents);
      assert.deepEqual((event?.data as { product: unknown }).product, changed);
      assert.equal(event?.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
      assert.equal((await app.inject({ url: `/api/products/${product.id}` })).json().priceCents, changed.priceCents);
    });

    it('publishes catalog.product.deleted when a product is removed, and nothing for a missing one', async () => {
      const product = (await app.inject({ url: '/api/products?limit=1' })).json().items[0];
      assert.equal(await app.productWrites.remove(product.id), true);
      await waitFor(() => received.some((e) => e.type === 'catalog.product.deleted'), 'the delete');
      assert.equal(await app.productWrites.remove('prod-never-existed'), false);
      await new Promise((r) => setTimeout(r, 200));
      const deletions = received.filter((e) => e.type === 'catalog.product.deleted');
      assert.deepEqual(deletions.map((e) => e.data), [{ productId: product.id }]);
      assert.equal((await app.inject({ url: `/api/products/${product.id}` })).statusCode, 404);
    });

    it('reports the bus in its readiness', async () => {
      const ready = (await app.inject({ url: '/readyz' })).json();
      assert.equal(ready.checks.bus, 'ok');
    });
  });
}
