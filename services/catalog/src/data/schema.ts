import type { MessagingTables } from '@microshop/messaging';

/** The catalog database's tables, as Kysely sees them. */
export interface CategoryTable {
  id: string;
  name: string;
  position: number;
}

export interface ProductTable {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_cents: number;
  currency: string;
  category_id: string;
  image_url: string;
  created_at: string;
  updated_at: string;
}

export interface CatalogDatabase extends MessagingTables {
  categories: CategoryTable;
  products: ProductTable;
}
