import type { Migration } from '@microshop/data';
import { createMessagingTables, retentionIndexes } from '@microshop/messaging';
import { createIdentity } from './0001-create-identity.js';
import { dropSigningKeys } from './0003-drop-signing-keys.js';

/** Applied in name order; never rename or edit one that has shipped, add a new one. */
export const migrations: Record<string, Migration> = {
  '0001-create-identity': createIdentity,
  '0002-messaging': createMessagingTables,
  '0003-drop-signing-keys': dropSigningKeys,
  '0004-retention': retentionIndexes(),
};
