import type { Migration } from '@microshop/data';
import { createMessagingTables, retentionIndexes } from '@microshop/messaging';
import { cancelledOrders } from './0003-cancelled-orders.js';
import { settleOutside } from './0004-settle-outside.js';
import { createPayments } from './0001-create-payments.js';

/** Applied in name order; never rename or edit one that has shipped, add a new one. */
export const migrations: Record<string, Migration> = {
  '0001-create-payments': createPayments,
  '0002-messaging': createMessagingTables,
  '0003-cancelled-orders': cancelledOrders,
  '0004-settle-outside': settleOutside,
  '0005-retention': retentionIndexes([
    { table: 'cancelled_orders', column: 'cancelled_at' },
    { table: 'provider_ledger', column: 'created_at' },
  ]),
};
