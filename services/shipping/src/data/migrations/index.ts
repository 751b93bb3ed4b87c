import type { Migration } from '@microshop/data';
import { createMessagingTables, retentionIndexes } from '@microshop/messaging';
import { createShipping, seedFleet } from './0001-create-shipping.js';
import { traceDeliveries } from './0004-trace-deliveries.js';

/** Applied in name order; never rename or edit one that has shipped, add a new one. */
export const migrations: Record<string, Migration> = {
  '0001-create-shipping': createShipping,
  '0002-seed-fleet': seedFleet,
  '0003-messaging': createMessagingTables,
  '0004-trace-deliveries': traceDeliveries,
  '0005-retention': retentionIndexes(),
};
