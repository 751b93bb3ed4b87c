import type { Kysely } from '@microshop/data';
import { type EventBus, inTraceAsync, ORDER_ID_ATTRIBUTE } from '@microshop/messaging';
import type { PaymentsDatabase, PaymentTable } from './data/schema.js';
import type { PaymentProvider } from './domain/provider.js';

/** Payments looked at per scan. */
const BATCH = 64;
/** Provider calls at once: a slow provider holds up only what it is slow for. */
const MAX_IN_FLIGHT = 32;
/** How often it looks without being woken: what a crash left half done is finished within this. */
const POLL_MS = 1_000;

export interface SettlementLogger {
  warn(fields: object, message: string): void;
}

/**
 * Talks to the payment provider outside any database transaction: a consumer records the intent
 * (`CAPTURING`, `REFUNDING`) in its transaction and wakes this; this asks the provider with the
 * payment's idempotency key, then records the outcome, and the event saying so, in a transaction
 * of its own, only if the payment is still where it left it. A crash between the call and the
 * record leaves the intent, which the next scan (of this instance once restarted, or of another)
 * asks again with the same key: the provider answers as before and no money moves twice. Holding
 * no transaction while the provider thinks, payments never holds SQLite's write lock for a
 * network call, and payments settle side by side, so a slow answer holds up only its own.
 */
export class Settlement {
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #fullScan = false;
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Kysely<PaymentsDatabase>,
    private readonly bus: EventBus<PaymentsDatabase>,
    private readonly provider: PaymentProvider,
    private readonly log: SettlementLogger,
  ) {}

  start(): void {
    this.#timer = setInterval(() => this.wake(), POLL_MS);
    this.#timer.unref();
    this.wake();
  }

  /** Looks for payments to settle now (after a consumer's commit), or right after the scan in progress. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#scanning) {
      this.#again = true;
      return;
    }
    this.#scanning = this.#scan()
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not look for payments to settle; will try again'))
      .finally(() => {
        this.#scanning = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Stops looking, and waits for the provider calls in flight to be answered and recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#scanning;
    await Promise.allSettled(this.#inFlight.values());
  }

  async #scan(): Promise<void> {
    const waiting = await this.db
      .selectFrom('payments')
      .selectAll()
      .where('status', 'in', ['CAPTURING', 'REFUNDING'])
      .orderBy('updated_at')
      .limit(BATCH)
      .execute();
    this.#fullScan = waiting.length === BATCH;
    for (const payment of waiting) {
      if (this.#stopped || this.#inFlight.size >= MAX_IN_FLIGHT) return;
      if (this.#inFlight.has(payment.id)) continue;
      const settling = this.#settle(payment).finally(() => {
        this.#inFlight.delete(payment.id);
      });
      this.#inFlight.set(payment.id, settling);
    }
  }

  async #settle(payment: PaymentTable): Promise<void> {
    const attributes = { [ORDER_ID_ATTRIBUTE]: payment.order_id, 'microshop.payment_id': payment.id };
    const capturing = payment.status === 'CAPTURING';
    let more = this.#fullScan;
    try {
      const work = () => (capturing ? this.#capture(payment) : this.#refund(payment));
      if (await inTraceAsync(payment.traceparent, capturing ? 'payments capture' : 'payments refund', attributes, work)) more = true;
    } catch (error) {
      // The provider (or the database) failed for this one: it is asked again, with the same
      // key, at a later scan.
      this.log.warn({ err: error, paymentId: payment.id, orderId: payment.order_id, status: payment.status }, 'could not settle a payment; will try again');
      return;
    }
    // A refund it has just asked for, or payments the last scan left for later.
    if (more) setImmediate(() => this.wake());
  }

  /** Resolves true when the payment is now to be refunded. */
  async #capture(payment: PaymentTable): Promise<boolean> {
    const method = await this.db.selectFrom('payment_methods').select('assessment').where('id', '=', payment.payment_method_id).executeTakeFirstOrThrow();
    const result = await this.provider.charge(method.assessment, payment.amount_cents, payment.id);
    const refundNext = await this.bus.transaction(
      async (trx, emit) => {
        const cancelled = await trx.selectFrom('cancelled_orders').select('order_id').where('order_id', '=', payment.order_id).executeTakeFirst();
        const now = new Date().toISOString();
        const { order_id: orderId, user_id: userId } = payment;
        if (result.ok) {
          // Captured for an order cancelled meanwhile (its deadline passed): the money goes back.
          const status = cancelled ? 'REFUNDING' : 'CAPTURED';
          if (!(await moved(trx, payment.id, 'CAPTURING', { status, provider_reference: result.reference, updated_at: now }))) return false;
          if (!cancelled) emit('payments.payment.succeeded', orderId, { orderId, userId, paymentId: payment.id, amountCents: payment.amount_cents, currency: payment.currency });
          return Boolean(cancelled);
        }
        if (!(await moved(trx, payment.id, 'CAPTURING', { status: 'FAILED', failure_reason: result.reason, updated_at: now }))) return false;
        if (!cancelled) emit('payments.payment.failed', orderId, { orderId, userId, paymentId: payment.id, reason: result.reason });
        return false;
      },
      { traceparent: payment.traceparent ?? undefined },
    );
    return refundNext;
  }

  async #refund(payment: PaymentTable): Promise<boolean> {
    await this.provider.refund(payment.provider_reference ?? '', payment.amount_cents, `${payment.id}:refund`);
    await moved(this.db, payment.id, 'REFUNDING', { status: 'REFUNDED', updated_at: new Date().toISOString() });
    return false;
  }
}

/** Moves a payment on only from where it was seen: a second settler of the same payment changes nothing. */
async function moved(db: Kysely<PaymentsDatabase>, id: string, from: PaymentTable['status'], changes: Partial<PaymentTable>): Promise<boolean> {
  const result = await db.updateTable('payments').set(changes).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
