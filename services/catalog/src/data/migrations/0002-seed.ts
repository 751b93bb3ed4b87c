import type { Kysely, Migration } from '@microshop/data';
import type { CatalogDatabase } from '../schema.js';
import { seedCategories, seedProducts } from '../seed-data.js';

/**
 * The first start loads the seed catalog; as a migration it runs exactly once per database. The
 * seed's prices are sample figures written in USD; a shop in another currency gets the same
 * figures in its own currency (no exchange rate), so every product can be bought.
 */
export const seedCatalog = (currency: string): Migration => ({
  async up(db: Kysely<unknown>) {
    const now = new Date().toISOString();
    const typed = db as Kysely<CatalogDatabase>;
    await typed
      .insertInto('categories')
      .values(seedCategories.map((c, position) => ({ id: c.id, name: c.name, position })))
      .execute();
    await typed
      .insertInto('products')
      .values(
        seedProducts.map((p) => ({
          id: p.id,
          sku: p.sku,
          name: p.name,
          description: p.description,
          price_cents: p.priceCents,
          currency,
          category_id: p.category,
          image_url: p.imageUrl,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  },
});
