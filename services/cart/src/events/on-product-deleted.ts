import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { CartDatabase } from '../data/schema.js';

/** catalog.product.deleted: the product can no longer be bought; it leaves the copy and every cart. */
export async function onProductDeleted(trx: Kysely<CartDatabase>, event: CloudEvent): Promise<void> {
  const { productId } = event.data as EventData<'catalog.product.deleted'>;
  await trx.deleteFrom('cart_items').where('product_id', '=', productId).execute();
  await trx.deleteFrom('prices').where('product_id', '=', productId).execute();
}
