import type { Migration } from '@microshop/data';
import { createMessagingTables, retentionIndexes } from '@microshop/messaging';
import { cancelledOrders } from './0003-cancelled-orders.js';
import { createInventory } from './0001-create-inventory.js';

/** Applied in name order; never rename or edit one that has shipped, add a new one. */
export const migrations: Record<string, Migration> = {
  '0001-create-inventory': createInventory,
  '0002-messaging': createMessagingTables,
  '0003-cancelled-orders': cancelledOrders,
  '0004-retention': retentionIndexes([{ table: 'cancelled_orders', column: 'cancelled_at' }]),
};
