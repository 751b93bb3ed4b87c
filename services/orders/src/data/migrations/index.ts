import type { Migration } from '@microshop/data';
import { createMessagingTables, retentionIndexes } from '@microshop/messaging';
import { createOrders } from './0001-create-orders.js';
import { pendingByAge } from './0003-pending-by-age.js';

/** Applied in name order; never rename or edit one that has shipped, add a new one. */
export const migrations: Record<string, Migration> = {
  '0001-create-orders': createOrders,
  '0002-messaging': createMessagingTables,
  '0003-pending-by-age': pendingByAge,
  '0004-retention': retentionIndexes(),
};
