import assert from 'node:assert/strict';
import type { EventData, EventType } from '@microshop/contracts';
import { openDatabase } from '@microshop/data';
import { type CloudEvent, createMessagingTables, createTransport, EventBus, type MessagingTables, type Transport } from '@microshop/messaging';
import { NATS_URL, natsUnreachable, REQUIRE_INFRA, testEngines, testTrust } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildApp, type ChargeResult, loadPaymentsConfig, MemoryLedger, type PaymentProvider, SimulatedProvider } from '../src/index.js';

const silent = { info() {}, warn() {}, error() {} };
const trust = await testTrust();
const ada = { id: 'usr_ada', role: 'customer' as const, email: 'ada@example.com', name: 'Ada' };
const GOOD = { cardNumber: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' };

/**
 * The simulated provider, with a ledger the test reads, and two faults on demand: a charge that
 * is made and then lost to a crash before payments could record it, and a charge that waits until
 * the test lets it answer.
 */
class TestProvider implements PaymentProvider {
  readonly ledger = new MemoryLedger();
  readonly inner = new SimulatedProvider(this.ledger);
  crashAfterCharging = new Set<string>();
  holding = new Map<string, () => void>();
  held = new Set<string>();
  assess = (cardNumber: string) => this.inner.assess(cardNumber);

  async charge(assessment: 'approve' | 'decline', amountCents: number, key: string): Promise<ChargeResult> {
    const result = await this.inner.charge(assessment, amountCents, key);
    if (this.crashAfterCharging.delete(key)) throw new Error('the process died before it recorded the charge');
    if (this.held.delete(key)) await new Promise<void>((resolve) => this.holding.set(key, resolve));
    return result;
  }

  refund = (reference: string, amountCents: number, key: string) => this.inner.refund(reference, amountCents, key);

  /** The ledger's entries for one payment: `charge` and `refund`, each at most once by its key. */
  entriesFor(paymentId: string): string[] {
    return [...this.ledger.entries].filter(([key]) => key.startsWith(paymentId)).map(([, entry]) => entry.operation);
  }
}

const natsDown = await natsUnreachable();
for (const engine of await testEngines()) {
  const bus = engine.name === 'postgres' ? NATS_URL : 'embedded';
  const skip = engine.skip || (bus !== 'embedded' && natsDown && !REQUIRE_INFRA ? `${natsDown} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false);

  describe(`payments on ${engine.name} with the ${bus === 'embedded' ? 'embedded' : 'NATS'} bus: the provider is asked outside any transaction`, { skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let standInDb: Awaited<ReturnType<typeof openDatabase<MessagingTables>>>;
    let transport: Transport;
    let standIn: EventBus<MessagingTables>;
    const provider = new TestProvider();
    const outcomes: CloudEvent[] = [];
    const namespace = `pay${process.pid}${Math.random().toString(36).slice(2, 7)}`;
    let paymentMethodId = '';

    const publish = <K extends EventType>(type: K, subject: string, data: EventData<K>) =>
      standIn.transaction(async (_trx, emit) => emit(type, subject, data));
    const until = async <T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const paymentOf = async (orderId: string) => {
      const response = await app.inject({ url: `/api/payments?orderId=${orderId}`, headers: await trust.asUser(ada) });
      return (response.json().items as Array<{ id: string; status: string }>)[0];
    };
    const settled = (orderId: string, status: string) => until(`${orderId} to be ${status}`, async () => ((await paymentOf(orderId))?.status === status ? paymentOf(orderId) : undefined));
    const order = (orderId: string) => ({ orderId, userId: ada.id, totalCents: 1_250, currency: 'USD', paymentMethodId });
    const placeAndReserve = async (orderId: string) => {
      await publish('orders.order.placed', orderId, { ...order(orderId), items: [{ productId: 'p-a', quantity: 1, unitPriceCents: 1_250 }] });
      await publish('inventory.stock.reserved', orderId, order(orderId));
    };
    const outcomesOf = (orderId: string) => outcomes.filter((e) => e.subject === orderId).map((e) => e.type);
    /** A captured order, whose cancellation later shows that the cancellations before it were handled. */
    const capturedMarker = async (orderId: string) => {
      await placeAndReserve(orderId);
      await settled(orderId, 'CAPTURED');
      return orderId;
    };
    /**
     * Cancels `orderId` and waits until payments has surely handled it: cancellations are handled
     * in order, and the marker's, published after it, shows (its payment is to be refunded).
     */
    const cancelForSure = async (orderId: string, marker: string, shown: string[]) => {
      await publish('orders.order.cancelled', orderId, { orderId, userId: ada.id, reason: 'TIMED_OUT' });
      await publish('orders.order.cancelled', marker, { orderId: marker, userId: ada.id, reason: 'TIMED_OUT' });
      await until(`${marker}'s cancellation`, async () => (shown.includes((await paymentOf(marker))?.status ?? '') ? true : undefined));
    };

    before(async () => {
      if (bus !== 'embedded' && natsDown) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${natsDown}`);
      target = await engine.create('payments');
      app = await buildApp(
        loadPaymentsConfig({
          ...trust.env('payments'),
          MICROSHOP_DATA_DIR: target.dataDir,
          PAYMENTS_DATABASE_URL: target.databaseUrl,
          MICROSHOP_BUS: bus,
          MICROSHOP_BUS_NAMESPACE: namespace,
          LOG_LEVEL: 'silent',
        }),
        provider,
      );
      standInDb = await openDatabase<MessagingTables>({ service: 'stand-in', dataDir: target.dataDir, migrations: { '0001': createMessagingTables } });
      transport = await createTransport({ bus, dataDir: target.dataDir, name: 'stand-in', namespace });
      standIn = new EventBus(standInDb.db, { service: 'orders', transport, log: silent });
      const record = async (_trx: unknown, event: CloudEvent) => void outcomes.push(event);
      standIn.on('payments.payment.succeeded', record).on('payments.payment.failed', record);
      await standIn.start();
      const method = await app.inject({
        method: 'POST',
        url: '/internal/payment-methods',
        headers: { ...(await trust.asService('orders', 'payments')), ...(await trust.asUser(ada)) },
        payload: GOOD,
      });
      assert.equal(method.statusCode, 201, method.body);
      paymentMethodId = method.json().paymentMethodId;
    });
    after(async () => {
      await standIn?.stop();
      if (transport?.kind === 'nats') await (transport as unknown as { destroy(): Promise<void> }).destroy();
      await transport?.close();
      await standInDb?.close();
      await app?.close();
      await target?.cleanup();
    });

    it('captures a reserved order once, and says so', async () => {
      await placeAndReserve('ord-1');
      const payment = await settled('ord-1', 'CAPTURED');
      await until('the success event', () => (outcomesOf('ord-1').length > 0 ? true : undefined));
      assert.deepEqual(outcomesOf('ord-1'), ['payments.payment.succeeded']);
      assert.deepEqual(provider.entriesFor(payment?.id ?? ''), ['charge']);
    });

    it('recovers a charge lost to a crash before it was recorded, asking again with the same key: charged once', async () => {
      await publish('orders.order.placed', 'ord-2', { ...order('ord-2'), items: [{ productId: 'p-a', quantity: 1, unitPriceCents: 1_250 }] });
      const pending = await until('the payment', () => paymentOf('ord-2'));
      provider.crashAfterCharging.add(pending.id);
      await publish('inventory.stock.reserved', 'ord-2', order('ord-2'));
      const payment = await settled('ord-2', 'CAPTURED');
      assert.equal(provider.crashAfterCharging.size, 0, 'the first charge was made and then lost');
      await until('the success event', () => (outcomesOf('ord-2').length > 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(outcomesOf('ord-2'), ['payments.payment.succeeded'], 'one event');
      assert.deepEqual(provider.entriesFor(payment?.id ?? ''), ['charge'], 'one charge at the provider');
    });

    it('refunds a captured payment whose order is then cancelled', async () => {
      await placeAndReserve('ord-3');
      const payment = await settled('ord-3', 'CAPTURED');
      await publish('orders.order.cancelled', 'ord-3', { orderId: 'ord-3', userId: ada.id, reason: 'TIMED_OUT' });
      await settled('ord-3', 'REFUNDED');
      assert.deepEqual(provider.entriesFor(payment?.id ?? '').sort(), ['charge', 'refund']);
    });

    it('refunds a capture that was in flight when its order was cancelled, without announcing it', async () => {
      const marker = await capturedMarker('ord-4-marker');
      await publish('orders.order.placed', 'ord-4', { ...order('ord-4'), items: [{ productId: 'p-a', quantity: 1, unitPriceCents: 1_250 }] });
      const pending = await until('the payment', () => paymentOf('ord-4'));
      provider.held.add(pending.id);
      await publish('inventory.stock.reserved', 'ord-4', order('ord-4'));
      const answer = await until('the provider to be asked', () => provider.holding.get(pending.id));
      await cancelForSure('ord-4', marker, ['REFUNDING', 'REFUNDED']);
      assert.equal((await paymentOf('ord-4'))?.status, 'CAPTURING', 'the cancellation is known while the provider thinks');
      answer();
      await settled('ord-4', 'REFUNDED');
      assert.deepEqual(provider.entriesFor(pending.id).sort(), ['charge', 'refund']);
      assert.deepEqual(outcomesOf('ord-4'), [], 'orders hears of no success for an order it cancelled');
    });

    it('never charges an order cancelled before its stock was reserved', async () => {
      await cancelForSure('ord-5', await capturedMarker('ord-5-marker'), ['REFUNDING', 'REFUNDED']);
      await placeAndReserve('ord-5');
      const payment = await settled('ord-5', 'FAILED');
      // Settled behind it: an order after it, so the reservation of ord-5 was surely handled.
      await placeAndReserve('ord-6');
      await settled('ord-6', 'CAPTURED');
      assert.equal((await paymentOf('ord-5'))?.status, 'FAILED');
      assert.deepEqual(provider.entriesFor(payment?.id ?? ''), [], 'the provider was never asked');
      assert.deepEqual(outcomesOf('ord-5'), []);
    });
  });
}
