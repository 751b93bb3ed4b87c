import type { MessagingTables } from '@microshop/messaging';
import type { Status } from '../domain/status.js';

export interface OrderTable {
  id: string;
  user_id: string;
  status: Status;
  /** JSON: [{ productId, name, quantity, unitPriceCents }] */
  items: string;
  total_cents: number;
  currency: string;
  /** JSON: the shipping address */
  shipping_address: string;
  cancellation_reason: 'OUT_OF_STOCK' | 'PAYMENT_DECLINED' | 'TIMED_OUT' | null;
  /** JSON: [{ status, at }] */
  history: string;
  idempotency_key: string;
  request_hash: string;
  created_at: string;
  updated_at: string;
}

export interface OrdersDatabase extends MessagingTables {
  orders: OrderTable;
}
