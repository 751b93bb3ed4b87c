import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { AfterCommit, CloudEvent, Emit } from '@microshop/messaging';
import type { PaymentsDatabase } from '../data/schema.js';

/**
 * orders.order.cancelled: no money is kept for a cancelled order. The order is remembered as
 * cancelled (its other events may still be on their way); a pending payment will never be
 * captured; a captured one is to be refunded (REFUNDING, made outside the transaction by
 * settlement.ts, which `settle` wakes); one being captured now is refunded once its capture is recorded.
 */
export function onOrderCancelled(settle: () => void) {
  return async (trx: Kysely<PaymentsDatabase>, event: CloudEvent, _emit: Emit, afterCommit: AfterCommit): Promise<void> => {
    const { orderId } = event.data as EventData<'orders.order.cancelled'>;
    const now = new Date().toISOString();
    await trx
      .insertInto('cancelled_orders')
      .values({ order_id: orderId, cancelled_at: now })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .execute();
    const payment = await trx.selectFrom('payments').select(['id', 'status']).where('order_id', '=', orderId).executeTakeFirst();
    if (payment?.status === 'CAPTURED') {
      await trx.updateTable('payments').set({ status: 'REFUNDING', updated_at: now }).where('id', '=', payment.id).where('status', '=', 'CAPTURED').execute();
      afterCommit(settle);
    } else if (payment?.status === 'PENDING') {
      await trx.updateTable('payments').set({ status: 'FAILED', failure_reason: 'order_cancelled', updated_at: now }).where('id', '=', payment.id).where('status', '=', 'PENDING').execute();
    }
  };
}
