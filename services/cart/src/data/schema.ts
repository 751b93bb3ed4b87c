import type { MessagingTables } from '@microshop/messaging';

export interface CartItemTable {
  user_id: string;
  product_id: string;
  quantity: number;
  updated_at: string;
}

/** The cart's copy of what it needs from the catalog, kept from catalog.product.* events. */
export interface PriceTable {
  product_id: string;
  name: string;
  price_cents: number;
  currency: string;
  updated_at: string;
  /** Set when the catalog deleted the product (the time of that event). */
  deleted_at: string | null;
}

export interface CartDatabase extends MessagingTables {
  cart_items: CartItemTable;
  prices: PriceTable;
}
