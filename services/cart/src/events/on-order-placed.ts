import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { CartDatabase } from '../data/schema.js';

/** orders.order.placed: the ordered lines leave the cart (lines added since stay). */
export async function onOrderPlaced(trx: Kysely<CartDatabase>, event: CloudEvent): Promise<void> {
  const { userId, items } = event.data as EventData<'orders.order.placed'>;
  for (const item of items) {
    // Only what was ordered leaves: a line raised since keeps the difference.
    await trx.deleteFrom('cart_items').where('user_id', '=', userId).where('product_id', '=', item.productId).where('quantity', '<=', item.quantity).execute();
    await trx
      .updateTable('cart_items')
      .set((eb) => ({ quantity: eb('quantity', '-', item.quantity) }))
      .where('user_id', '=', userId)
      .where('product_id', '=', item.productId)
      .where('quantity', '>', item.quantity)
      .execute();
  }
}
