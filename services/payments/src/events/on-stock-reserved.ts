import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent, Emit } from '@microshop/messaging';
import type { PaymentsDatabase } from '../data/schema.js';
import type { PaymentProvider } from '../domain/provider.js';
import { ensurePayment } from './on-order-placed.js';

/**
 * inventory.stock.reserved: capture the order's payment, once. The payment row moves from
 * PENDING in this transaction, so a redelivery finds it settled and charges nothing.
 */
export function onStockReserved(provider: PaymentProvider) {
  return async (trx: Kysely<PaymentsDatabase>, event: CloudEvent, emit: Emit): Promise<void> => {
    const reserved = event.data as EventData<'inventory.stock.reserved'>;
    const { orderId, userId } = reserved;
    await ensurePayment(trx, reserved);
    const payment = await trx.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow();
    if (payment.status !== 'PENDING') return;
    const method = await trx.selectFrom('payment_methods').select('assessment').where('id', '=', payment.payment_method_id).executeTakeFirstOrThrow();
    const result = await provider.charge(method.assessment, payment.amount_cents, payment.id);
    const now = new Date().toISOString();
    if (result.ok) {
      await trx.updateTable('payments').set({ status: 'CAPTURED', provider_reference: result.reference, updated_at: now }).where('id', '=', payment.id).execute();
      emit('payments.payment.succeeded', orderId, { orderId, userId, paymentId: payment.id, amountCents: payment.amount_cents, currency: payment.currency });
    } else {
      await trx.updateTable('payments').set({ status: 'FAILED', failure_reason: result.reason, updated_at: now }).where('id', '=', payment.id).execute();
      emit('payments.payment.failed', orderId, { orderId, userId, paymentId: payment.id, reason: result.reason });
    }
  };
}
