import { createHash } from 'node:crypto';

const PREFIX = 'prod-';
/** Ids are at most 64 characters (contracts' `Id`). */
const MAX_ID_LENGTH = 64;
const HASH_LENGTH = 10;

/**
 * The id of a product created without one: `prod-<sku in lower case>`, as before, when that fits;
 * a longer SKU keeps its first characters and ends in a hash of the whole SKU, so ids still fit
 * and two long SKUs with the same beginning still get different ids.
 */
export function productIdFor(sku: string): string {
  const plain = `${PREFIX}${sku.toLowerCase()}`;
  if (plain.length <= MAX_ID_LENGTH) return plain;
  const hash = createHash('sha256').update(sku.toLowerCase()).digest('hex').slice(0, HASH_LENGTH);
  return `${plain.slice(0, MAX_ID_LENGTH - HASH_LENGTH - 1)}-${hash}`;
}
