import type { catalog } from '@microshop/contracts';
import { type Kysely, sql } from '@microshop/data';
import { type PagePosition } from '../domain/cursor.js';
import { containsPattern } from '../domain/search.js';
import type { CatalogDatabase, ProductTable } from './schema.js';

type Product = catalog.Product;
type Category = catalog.Category;

export interface ProductQuery {
  terms: string[];
  category?: string | undefined;
  limit: number;
  after?: PagePosition | undefined;
}

export function toProduct(row: ProductTable): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    currency: row.currency,
    category: row.category_id,
    imageUrl: row.image_url,
  };
}

/** Reads and writes the catalog's own tables; the same code runs on SQLite and PostgreSQL. */
export class ProductRepository {
  constructor(private readonly db: Kysely<CatalogDatabase>) {}

  /** One page in (name, id) order, plus whether more follow. */
  async list(query: ProductQuery): Promise<{ items: Product[]; more: boolean }> {
    let select = this.db.selectFrom('products').selectAll();
    if (query.category !== undefined) select = select.where('category_id', '=', query.category);
    for (const term of query.terms) {
      const pattern = containsPattern(term);
      select = select.where((eb) =>
        eb.or([
          eb(sql`lower(name)`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(description)`, 'like', sql`${pattern} escape '\\'`),
        ]),
      );
    }
    if (query.after !== undefined) {
      const { name, id } = query.after;
      select = select.where((eb) => eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]));
    }
    const rows = await select.orderBy('name').orderBy('id').limit(query.limit + 1).execute();
    return { items: rows.slice(0, query.limit).map(toProduct), more: rows.length > query.limit };
  }

  async findById(id: string): Promise<Product | undefined> {
    const row = await this.db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toProduct(row) : undefined;
  }

  async categories(): Promise<Category[]> {
    return this.db.selectFrom('categories').select(['id', 'name']).orderBy('position').orderBy('id').execute();
  }

  /** Creates or replaces a product; call inside the transaction that emits its event. */
  static async upsert(trx: Kysely<CatalogDatabase>, product: Product): Promise<void> {
    const now = new Date().toISOString();
    const row = {
      sku: product.sku,
      name: product.name,
      description: product.description,
      price_cents: product.priceCents,
      currency: product.currency,
      category_id: product.category,
      image_url: product.imageUrl,
      updated_at: now,
    };
    await trx
      .insertInto('products')
      .values({ id: product.id, ...row, created_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  /** Deletes a product; false when there was none. */
  static async remove(trx: Kysely<CatalogDatabase>, id: string): Promise<boolean> {
    const result = await trx.deleteFrom('products').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
