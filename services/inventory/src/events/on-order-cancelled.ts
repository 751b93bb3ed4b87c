import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { InventoryDatabase } from '../data/schema.js';

/**
 * orders.order.cancelled: every reservation of the order goes back to stock, exactly once. The
 * order is remembered as cancelled: a cancellation at its deadline may overtake its placement,
 * which must then reserve nothing.
 */
export async function onOrderCancelled(trx: Kysely<InventoryDatabase>, event: CloudEvent): Promise<void> {
  const { orderId } = event.data as EventData<'orders.order.cancelled'>;
  await trx
    .insertInto('cancelled_orders')
    .values({ order_id: orderId, cancelled_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('order_id').doNothing())
    .execute();
  const held = await trx.selectFrom('reservations').selectAll().where('order_id', '=', orderId).where('status', '=', 'RESERVED').execute();
  const now = new Date().toISOString();
  for (const reservation of held) {
    await trx
      .updateTable('stock')
      .set((eb) => ({ available: eb('available', '+', reservation.quantity), updated_at: now }))
      .where('product_id', '=', reservation.product_id)
      .execute();
  }
  await trx.updateTable('reservations').set({ status: 'RELEASED', updated_at: now }).where('order_id', '=', orderId).where('status', '=', 'RESERVED').execute();
}
