import type { Migration } from '@microshop/data';
import { createMessagingTables, retentionIndexes } from '@microshop/messaging';
import { createCatalog } from './0001-create-catalog.js';
import { seedCatalog } from './0002-seed.js';
import { announceProducts } from './0004-announce-products.js';

/**
 * Applied in name order; never rename or edit one that has shipped, add a new one. The seed is
 * priced in the shop currency (`currency`) of the first start.
 */
export function catalogMigrations(currency: string): Record<string, Migration> {
  return {
    '0001-create-catalog': createCatalog,
    '0002-seed': seedCatalog(currency),
    '0003-messaging': createMessagingTables,
    '0004-announce-products': announceProducts,
    '0005-retention': retentionIndexes(),
  };
}
