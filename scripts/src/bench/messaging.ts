import { rm } from 'node:fs/promises';
import { openDatabase } from '@microshop/data';
import { createMessagingTables, createTransport, EventBus, type MessagingTables } from '@microshop/messaging';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase, NATS_URL, natsUnreachable, postgresUnreachable, startChild, tempDir } from '@microshop/testing';
import { median, percentile } from './stats.js';

const silent = { info() {}, warn() {}, error() {} };
const migrations = { '0001-messaging': createMessagingTables };

interface Pair {
  name: string;
  bus: string;
  postgres: boolean;
}

interface Rig {
  publisher: EventBus<MessagingTables>;
  committedAt: Float64Array;
  /** Resolves with the wall-clock time each event was handled, once all were. */
  handledAt(): Promise<number[]>;
  close(): Promise<void>;
}

const now = () => performance.timeOrigin + performance.now();

/** A publishing service here and a consuming service in a child process, each with its own database. */
async function rig(pair: Pair, count: number): Promise<Rig> {
  const dir = await tempDir('microshop-bench-bus-');
  const cleanups: Array<() => Promise<void>> = [];
  const databaseUrl = async (service: string) => {
    if (!pair.postgres) return undefined;
    const created = await createPostgresDatabase(`bench_${service}`);
    cleanups.push(created.drop);
    return created.url;
  };
  const namespace = `bench${process.pid}${Math.random().toString(36).slice(2, 6)}`;
  const pubDb = await openDatabase<MessagingTables>({ service: 'publisher', dataDir: dir, databaseUrl: await databaseUrl('publisher'), migrations });
  cleanups.unshift(() => pubDb.close());
  const transport = await createTransport({ bus: pair.bus, dataDir: dir, name: 'bench-publisher', namespace });
  const publisher = new EventBus(pubDb.db, { service: 'publisher', transport, log: silent });
  const consumerScript = fileURLToPath(new URL('./event-consumer.js', import.meta.url));
  const consumer = startChild(process.execPath, [consumerScript, pair.bus, dir, (await databaseUrl('consumer')) ?? '-', namespace, String(count)]);
  await consumer.waitForOutput(/^ready$/, 30_000);
  await publisher.start();
  return {
    publisher,
    committedAt: new Float64Array(count),
    async handledAt() {
      const line = await consumer.waitForOutput(/^\[/, 300_000);
      return JSON.parse(line) as number[];
    },
    async close() {
      await consumer.stop();
      await publisher.stop();
      if (transport.kind === 'nats') await (transport as unknown as { destroy(): Promise<void> }).destroy();
      await transport.close();
      for (const cleanup of cleanups) await cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function publishOne(r: Rig, index: number): Promise<void> {
  await r.publisher.transaction(async (_trx, emit) => emit('catalog.product.deleted', `p${index}`, { productId: `p${index}` }));
  r.committedAt[index] = now();
}

/** As fast as it goes: 8 concurrent publishers, one event per transaction. */
async function throughput(pair: Pair, count: number) {
  const r = await rig(pair, count);
  try {
    const began = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) await publishOne(r, next++);
      }),
    );
    const published = now();
    const handled = await r.handledAt();
    const delivered = Math.max(...handled);
    return { publishedPerSecond: count / ((published - began) / 1000), deliveredPerSecond: count / ((delivered - began) / 1000) };
  } finally {
    await r.close();
  }
}

/** Commit-to-handler latency at a steady rate. */
async function latency(pair: Pair, count: number, ratePerSecond: number) {
  const r = await rig(pair, count);
  try {
    const began = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = began + (i * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(publishOne(r, i));
    }
    await Promise.all(inFlight);
    const handled = await r.handledAt();
    const latencies = handled.map((at, i) => at - (r.committedAt[i] ?? 0));
    return { p50: median(latencies), p99: percentile(latencies, 99), max: percentile(latencies, 100) };
  } finally {
    await r.close();
  }
}

export async function messagingBench(events: number, rate: number): Promise<string[]> {
  const pairs: Pair[] = [{ name: 'embedded bus + SQLite', bus: 'embedded', postgres: false }];
  const pgDown = await postgresUnreachable();
  const natsDown = await natsUnreachable();
  if (!pgDown && !natsDown) pairs.push({ name: 'NATS JetStream + PostgreSQL', bus: NATS_URL, postgres: true });
  if (!natsDown) pairs.push({ name: 'NATS JetStream + SQLite', bus: NATS_URL, postgres: false });
  const lines = [
    `${events} events through the outbox (one event per transaction) to a consumer in another database with an inbox; the consumer runs in its own process:`,
  ];
  for (const pair of pairs) {
    const t = await throughput(pair, events);
    // Latency is measured below saturation: at `rate`, or at half the measured peak if that is lower.
    const steady = Math.max(50, Math.min(rate, Math.floor(t.deliveredPerSecond / 2 / 50) * 50));
    const l = await latency(pair, events, steady);
    lines.push(
      `  ${pair.name.padEnd(28)} peak: ${t.publishedPerSecond.toFixed(0)} committed/s, ${t.deliveredPerSecond.toFixed(0)} delivered/s;` +
        ` at ${steady}/s commit->handler p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`,
    );
  }
  if (pgDown || natsDown) lines.push(`  (skipped: ${[pgDown, natsDown].filter(Boolean).join('; ')})`);
  return lines;
}
