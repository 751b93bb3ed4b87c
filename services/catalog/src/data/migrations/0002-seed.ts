import type { Kysely, Migration } from '@microshop/data';
import type { CatalogDatabase } from '../schema.js';
import { seedCategories, seedProducts } from '../seed-data.js';

/** The first start loads the seed catalog; as a migration it runs exactly once per database. */
export const seedCatalog: Migration = {
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
          currency: p.currency,
          category_id: p.category,
          image_url: p.imageUrl,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  },
};
