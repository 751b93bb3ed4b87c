import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { InventoryDatabase } from '../data/schema.js';

/** catalog.product.upserted: a product inventory has not seen gets the initial stock level. */
export function onProductUpserted(initialStock: number) {
  return async (trx: Kysely<InventoryDatabase>, event: CloudEvent): Promise<void> => {
    const { product } = event.data as EventData<'catalog.product.upserted'>;
    await trx
      .insertInto('stock')
      .values({ product_id: product.id, available: initialStock, updated_at: event.time })
      .onConflict((oc) => oc.column('product_id').doNothing())
      .execute();
  };
}
