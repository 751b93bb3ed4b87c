import type { EventData } from '@microshop/contracts';
import { type Kysely, sql } from '@microshop/data';
import type { CloudEvent, Emit } from '@microshop/messaging';
import type { InventoryDatabase } from '../data/schema.js';
import { mergeLines, shortages } from '../domain/reservation.js';

/**
 * orders.order.placed: reserve every line or none. Each decrement is conditional
 * (`available >= quantity`), so two orders racing for the last item cannot both win, on SQLite
 * (one writer at a time) or PostgreSQL (row locks); a failed line undoes the order's others.
 */
export async function onOrderPlaced(trx: Kysely<InventoryDatabase>, event: CloudEvent, emit: Emit): Promise<void> {
  const { orderId, userId, items, totalCents, currency, paymentMethodId } = event.data as EventData<'orders.order.placed'>;
  // Cancelled before it got here (its deadline passed): nothing to reserve, nobody waiting.
  if (await trx.selectFrom('cancelled_orders').select('order_id').where('order_id', '=', orderId).executeTakeFirst()) return;
  const lines = mergeLines(items);
  const now = new Date().toISOString();
  await sql`savepoint reserve_order`.execute(trx);
  const short: string[] = [];
  for (const line of lines) {
    const result = await trx
      .updateTable('stock')
      .set((eb) => ({ available: eb('available', '-', line.quantity), updated_at: now }))
      .where('product_id', '=', line.productId)
      .where('available', '>=', line.quantity)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) short.push(line.productId);
  }
  if (short.length > 0) {
    await sql`rollback to savepoint reserve_order`.execute(trx);
    await sql`release savepoint reserve_order`.execute(trx);
    const levels = await trx.selectFrom('stock').select(['product_id', 'available']).where('product_id', 'in', lines.map((l) => l.productId)).execute();
    const missing = shortages(lines, new Map(levels.map((r) => [r.product_id, r.available])));
    emit('inventory.stock.rejected', orderId, { orderId, userId, productIds: missing.length > 0 ? missing : short });
    return;
  }
  await sql`release savepoint reserve_order`.execute(trx);
  await trx
    .insertInto('reservations')
    .values(lines.map((line) => ({ order_id: orderId, product_id: line.productId, quantity: line.quantity, status: 'RESERVED' as const, updated_at: now })))
    .execute();
  emit('inventory.stock.reserved', orderId, { orderId, userId, totalCents, currency, paymentMethodId });
}
