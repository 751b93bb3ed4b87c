import type { MessagingTables } from '@microshop/messaging';

export interface StockTable {
  product_id: string;
  available: number;
  updated_at: string;
}

export interface ReservationTable {
  order_id: string;
  product_id: string;
  quantity: number;
  status: 'RESERVED' | 'RELEASED';
  updated_at: string;
}

export interface InventoryDatabase extends MessagingTables {
  stock: StockTable;
  reservations: ReservationTable;
}
