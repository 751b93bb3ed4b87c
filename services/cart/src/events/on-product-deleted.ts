import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { CartDatabase } from '../data/schema.js';

/** catalog.product.deleted: the product can no longer be bought; it leaves the copy and every cart. */
export async function onProductDeleted(trx: Kysely<CartDatabase>, event: CloudEvent): Promise<void> {
  const { productId } = event.data as EventData<'catalog.product.deleted'>;
  await trx.deleteFrom('cart_items').where('product_id', '=', productId).execute();
  // A tombstone, not a delete: an older upsert arriving late must not bring the product back.
  await trx
    .insertInto('prices')
    .values({ product_id: productId, name: '', price_cents: 0, currency: 'USD', updated_at: event.time, deleted_at: event.time })
    .onConflict((oc) => oc.column('product_id').doUpdateSet({ deleted_at: event.time, updated_at: event.time }))
    .execute();
}
