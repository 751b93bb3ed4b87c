import { randomUUID } from 'node:crypto';
import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { PaymentsDatabase } from '../data/schema.js';

/** orders.order.placed: a pending payment for the order, with the card orders tokenized. */
export async function onOrderPlaced(trx: Kysely<PaymentsDatabase>, event: CloudEvent): Promise<void> {
  await ensurePayment(trx, event.data as EventData<'orders.order.placed'>);
}

/**
 * The order's payment row, made by whichever of orders.order.placed and inventory.stock.reserved
 * arrives first (separate consumers on NATS); the unique order id keeps it one. An order already
 * known to be cancelled gets a payment that failed, never one to capture.
 */
export async function ensurePayment(
  trx: Kysely<PaymentsDatabase>,
  order: { orderId: string; userId: string; paymentMethodId: string; totalCents: number; currency: string },
): Promise<void> {
  const method = await trx.selectFrom('payment_methods').selectAll().where('id', '=', order.paymentMethodId).executeTakeFirst();
  if (!method) throw new Error(`unknown payment method ${order.paymentMethodId}`);
  const now = new Date().toISOString();
  const cancelled = await trx.selectFrom('cancelled_orders').select('order_id').where('order_id', '=', order.orderId).executeTakeFirst();
  await trx
    .insertInto('payments')
    .values({
      id: `pay_${randomUUID().replace(/-/g, '')}`,
      order_id: order.orderId,
      user_id: order.userId,
      payment_method_id: method.id,
      status: cancelled ? 'FAILED' : 'PENDING',
      amount_cents: order.totalCents,
      currency: order.currency,
      card_brand: method.brand,
      card_last4: method.last4,
      provider_reference: null,
      failure_reason: cancelled ? 'order_cancelled' : null,
      created_at: now,
      updated_at: now,
      traceparent: null,
    })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .execute();
}
