import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { PaymentsDatabase } from '../data/schema.js';
import type { PaymentProvider } from '../domain/provider.js';

/** orders.order.cancelled: a captured payment is refunded; a pending one will never be captured. */
export function onOrderCancelled(provider: PaymentProvider) {
  return async (trx: Kysely<PaymentsDatabase>, event: CloudEvent): Promise<void> => {
    const { orderId } = event.data as EventData<'orders.order.cancelled'>;
    const payment = await trx.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();
    if (!payment) return;
    const now = new Date().toISOString();
    if (payment.status === 'CAPTURED') {
      await provider.refund(payment.provider_reference ?? '', payment.amount_cents, `${payment.id}:refund`);
      await trx.updateTable('payments').set({ status: 'REFUNDED', updated_at: now }).where('id', '=', payment.id).execute();
    } else if (payment.status === 'PENDING') {
      await trx.updateTable('payments').set({ status: 'FAILED', failure_reason: 'order_cancelled', updated_at: now }).where('id', '=', payment.id).execute();
    }
  };
}
