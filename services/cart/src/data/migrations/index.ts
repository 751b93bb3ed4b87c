import type { Migration } from '@microshop/data';
import { createMessagingTables, retentionIndexes } from '@microshop/messaging';
import { createCart, priceTombstones } from './0001-create-cart.js';

/** Applied in name order; never rename or edit one that has shipped, add a new one. */
export const migrations: Record<string, Migration> = {
  '0001-create-cart': createCart,
  '0002-messaging': createMessagingTables,
  '0003-price-tombstones': priceTombstones,
  '0004-retention': retentionIndexes(),
};
