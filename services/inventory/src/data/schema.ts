import type { MessagingTables } from '@microshop/messaging';

/** An order cancelled, remembered so that its late events are not acted on. */
export interface CancelledOrderTable {
  order_id: string;
  cancelled_at: string;
}

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
  cancelled_orders: CancelledOrderTable;
}
