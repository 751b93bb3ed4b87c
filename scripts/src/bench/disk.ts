import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { openPrivateSqlite } from '@microshop/data';
import { ChaosShop, type Stack } from '../chaos/shop.js';

const ORDERS_PER_DAY = 50 * 86_400;
/** The tables whose rows go after MICROSHOP_RETENTION_HOURS; the rest is the shop's record, kept for good. */
const RETAINED = new Set(['inbox', 'outbox', 'messages', 'deliveries', 'cancelled_orders', 'provider_ledger']);

/** Bytes of SQLite pages per table over every database in the data directory, after folding the WAL in. */
function sqliteBytes(dataDir: string): { retained: number; kept: number; files: number } {
  let retained = 0;
  let kept = 0;
  let files = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.sqlite')) {
        const { database } = openPrivateSqlite(dir, entry.name);
        try {
          database.pragma('busy_timeout = 5000');
          database.pragma('wal_checkpoint(TRUNCATE)');
          // Indexes count with their table (dbstat names the index; sqlite_schema says whose it is).
          const owner = new Map((database.prepare('select name, tbl_name from sqlite_schema').all() as Array<{ name: string; tbl_name: string }>).map((r) => [r.name, r.tbl_name]));
          for (const row of database.prepare('select name, sum(pgsize) as bytes from dbstat group by name').all() as Array<{ name: string; bytes: number }>) {
            if (RETAINED.has(owner.get(row.name) ?? row.name)) retained += row.bytes;
            else kept += row.bytes;
          }
        } finally {
          database.close();
        }
        files += statSync(path).size;
      }
    }
  };
  visit(dataDir);
  return { retained, kept, files };
}

async function productionBytes(shop: ChaosShop): Promise<{ postgres: number; nats: number }> {
  let postgres = 0;
  for (const database of shop.databases.values()) postgres += await database.size();
  const nc = await connect({ servers: shop.nats?.url });
  try {
    const jsm = await jetstreamManager(nc);
    const nats = (await jsm.streams.info(`${shop.namespace.toUpperCase()}_EVENTS`)).state.bytes;
    return { postgres, nats };
  } finally {
    await nc.close();
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * Disk a day of 50 orders/s needs: shoppers check out for `seconds`, and the growth of every
 * database (and the bus) per settled order is scaled to 4.32 million orders.
 */
export async function diskBench(root: string, seconds: number): Promise<string[]> {
  const lines: string[] = [];
  for (const stack of ['embedded', 'nats-postgres'] as Stack[]) {
    const shop = new ChaosShop(root, stack);
    try {
      await shop.start(8);
      if (stack === 'embedded') {
        const before = sqliteBytes(shop.dataDir);
        const score = await shop.scenario(async () => Date.now(), seconds * 1000, 60_000);
        const after = sqliteBytes(shop.dataDir);
        const per = (key: 'retained' | 'kept' | 'files') => (after[key] - before[key]) / Math.max(1, score.completed);
        lines.push(
          `embedded + SQLite: ${score.completed} orders settled; per order ${Math.round(per('files'))} B on disk ` +
            `(${Math.round(per('kept'))} B kept for good: orders, payments, deliveries, notifications; ` +
            `${Math.round(per('retained'))} B for MICROSHOP_RETENTION_HOURS: inboxes, outboxes, bus, tombstones, provider keys)`,
          `  a day at 50 orders/s: ${gib(per('files') * ORDERS_PER_DAY)} (${gib(per('kept') * ORDERS_PER_DAY)} of it for good, ` +
            `${gib(per('retained') * ORDERS_PER_DAY)} pruned after the retention, so at most ${gib(per('retained') * ORDERS_PER_DAY * 7)} of it at 168 h)`,
        );
      } else {
        const before = await productionBytes(shop);
        const score = await shop.scenario(async () => Date.now(), seconds * 1000, 60_000);
        const after = await productionBytes(shop);
        const pg = (after.postgres - before.postgres) / Math.max(1, score.completed);
        const nats = (after.nats - before.nats) / Math.max(1, score.completed);
        lines.push(
          `NATS JetStream + PostgreSQL: ${score.completed} orders settled; per order ${Math.round(pg)} B in PostgreSQL, ${Math.round(nats)} B in the events stream`,
          `  a day at 50 orders/s: ${gib(pg * ORDERS_PER_DAY)} PostgreSQL (before autovacuum reuses pruned rows' space), ${gib(nats * ORDERS_PER_DAY)} JetStream (kept 168 h)`,
        );
      }
    } finally {
      await shop.stop();
    }
  }
  return lines;
}
