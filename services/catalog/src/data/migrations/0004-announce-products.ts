import type { Kysely, Migration } from '@microshop/data';
import { createEvent, enqueue } from '@microshop/messaging';
import type { CatalogDatabase } from '../schema.js';
import { toProduct } from '../product-repository.js';

/**
 * Every product that exists when the outbox arrives is announced once, so services that keep
 * a copy of catalog data (the cart's prices) can build it from events alone.
 */
export const announceProducts: Migration = {
  async up(db: Kysely<unknown>) {
    const typed = db as Kysely<CatalogDatabase>;
    const rows = await typed.selectFrom('products').selectAll().orderBy('id').execute();
    const events = rows.map((row) => createEvent('catalog', 'catalog.product.upserted', row.id, { product: toProduct(row) }));
    await enqueue(typed, events);
  },
};
