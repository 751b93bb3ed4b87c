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

function toProduct(row: ProductTable): Product {
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

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
