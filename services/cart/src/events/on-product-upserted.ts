import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { CartDatabase } from '../data/schema.js';

/** catalog.product.upserted: keep the copy of the product's name and price current. */
export async function onProductUpserted(trx: Kysely<CartDatabase>, event: CloudEvent): Promise<void> {
  const { product } = event.data as EventData<'catalog.product.upserted'>;
  // A product re-created after a deletion (a newer event) comes back; an older upsert does not.
  const row = { name: product.name, price_cents: product.priceCents, currency: product.currency, updated_at: event.time, deleted_at: null };
  await trx
    .insertInto('prices')
    .values({ product_id: product.id, ...row })
    // An older event arriving late (a redelivery) must not overwrite a newer price or a deletion.
    .onConflict((oc) => oc.column('product_id').doUpdateSet(row).where('prices.updated_at', '<=', event.time))
    .execute();
}
