// `npm run chaos [-- --stack embedded|nats-postgres] [--short] [--only <scenario,…>]`: faults while shoppers check out.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { openPrivateSqlite } from '@microshop/data';
import { ChaosShop, type Score, sleep, type Stack } from './shop.js';

const say = (line = '') => process.stdout.write(`${line}\n`);

interface Scenario {
  name: string;
  /** Injects the fault; resolves with the moment from which recovery is measured. */
  run(shop: ChaosShop, seconds: Durations): Promise<number>;
  /** After the books are done: why the fault itself did not happen as meant, if it did not. */
  unmet?(): string | undefined;
}

interface Durations {
  /** Load kept on after the fault is injected. */
  load: number;
  /** How long the broker stays stopped (or the bus locked). */
  outage: number;
  /** The window whose events are delivered twice, and the slow service's slow spell. */
  window: number;
}

const kill = (service: string): Scenario => ({
  name: `SIGKILL ${service}`,
  async run(shop) {
    process.kill(shop.pidOf(`${service}-1`), 'SIGKILL');
    return Date.now();
  },
});

/** Holds SQLite's write lock on `file` (in `dir`) for `ms`: every writer waits, then fails and retries. */
async function lockSqlite(dir: string, file: string, ms: number): Promise<void> {
  const { database } = openPrivateSqlite(dir, file);
  try {
    database.exec('begin exclusive');
    await sleep(ms);
    database.exec('rollback');
  } finally {
    database.close();
  }
}

const SCENARIOS: Scenario[] = [
  kill('orders'),
  kill('inventory'),
  kill('payments'),
  kill('shipping'),
  {
    // Hung, not dead: the runner's liveness check (10 s) has to notice and replace it.
    name: 'SIGSTOP payments (hung)',
    async run(shop) {
      const pid = shop.pidOf('payments-1');
      const stoppedAt = Date.now();
      shop.pause(pid);
      await shop.runner.waitForOutput(new RegExp(`payments-1 \\(pid ${pid}\\).*has not answered /healthz`), 60_000);
      shop.resume(pid);
      // Recovery counts from the hang: noticing it is part of healing.
      return stoppedAt;
    },
  },
  {
    name: 'broker stopped',
    async run(shop, d) {
      if (shop.stack === 'nats-postgres') {
        await shop.stopBroker();
        await sleep(d.outage * 1000);
        await shop.startBroker();
      } else {
        // The embedded bus is a file: hold its write lock, and nothing can be published or acknowledged.
        await lockSqlite(join(shop.dataDir, 'bus'), 'bus.sqlite', d.outage * 1000);
      }
      return Date.now();
    },
  },
  {
    name: 'database cut (orders, payments)',
    async run(shop) {
      if (shop.stack === 'nats-postgres') {
        for (const service of ['orders', 'payments']) await shop.databases.get(service)?.cut();
      } else {
        await Promise.all(['orders', 'payments'].map((service) => lockSqlite(shop.dataDir, `${service}.sqlite`, 8_000)));
      }
      return Date.now();
    },
  },
  (() => {
    let copies = 0;
    return {
      name: 'every event of a window delivered twice',
      async run(shop, d) {
        const began = Date.now();
        const first = await lastSeq(shop);
        await sleep(d.window * 1000);
        copies = await redeliver(shop, began, first);
        say(`  (delivered ${copies} event(s) a second time)`);
        return began;
      },
      unmet: () => (copies === 0 ? 'no event was delivered a second time' : undefined),
    } satisfies Scenario;
  })(),
  {
    name: 'slow payments (paused half of every 300 ms)',
    async run(shop, d) {
      const pid = shop.pidOf('payments-1');
      const until = Date.now() + d.window * 1000;
      while (Date.now() < until) {
        shop.pause(pid);
        await sleep(150);
        shop.resume(pid);
        await sleep(150);
      }
      return Date.now();
    },
  },
  {
    // The gateway's own fault injection (off by default, set by an admin): shoppers see orders
    // slow and sometimes refused, ask again with the same Idempotency-Key, and nothing doubles.
    name: 'orders slowed, refused at the gateway',
    async run(shop, d) {
      await shop.injectFault('orders', { delayMs: 800, delayPercent: 50, abortStatus: 503, abortPercent: 10 });
      try {
        await sleep(d.window * 1000);
      } finally {
        await shop.injectFault('orders');
      }
      return Date.now();
    },
  },
];

/** NATS: the events stream's last sequence now (embedded: unused). */
async function lastSeq(shop: ChaosShop): Promise<number> {
  if (shop.stack !== 'nats-postgres') return 0;
  const nc = await connect({ servers: shop.nats?.url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(`${shop.namespace.toUpperCase()}_EVENTS`)).state.last_seq;
  } finally {
    await nc.close();
  }
}

/**
 * Every event published since `since` is delivered again to every group that already had it: on
 * the embedded bus its delivery rows come back; on NATS each is published once more under a new
 * message id (the same event id inside), which is what a producer retrying after a lost ack does.
 */
async function redeliver(shop: ChaosShop, since: number, afterSeq: number): Promise<number> {
  if (shop.stack !== 'nats-postgres') {
    const { database } = openPrivateSqlite(join(shop.dataDir, 'bus'), 'bus.sqlite');
    try {
      database.pragma('busy_timeout = 5000');
      return database
        .prepare(
          `insert or ignore into deliveries (grp, seq, visible_at)
           select s.grp, m.seq, ? from messages m join subscriptions s on s.type = m.type where m.published_at >= ?`,
        )
        .run(Date.now(), since).changes;
    } finally {
      database.close();
    }
  }
  const nc = await connect({ servers: shop.nats?.url });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const stream = `${shop.namespace.toUpperCase()}_EVENTS`;
    const last = (await jsm.streams.info(stream)).state.last_seq;
    let copies = 0;
    for (let seq = afterSeq + 1; seq <= last; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!message) continue;
      await js.publish(message.subject, message.data, { msgID: `chaos-copy-${seq}` });
      copies++;
    }
    return copies;
  } finally {
    await nc.close();
  }
}

function parseArgs(argv: string[]): { stack: Stack; short: boolean; only: string[] | undefined } {
  let stack: Stack = 'embedded';
  let short = false;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--short') short = true;
    else if (arg === '--stack') {
      const value = argv[++i];
      if (value !== 'embedded' && value !== 'nats-postgres') throw new Error('--stack is embedded or nats-postgres');
      stack = value;
    } else if (arg === '--only') only = (argv[++i] ?? '').split(',').map((s) => s.trim().toLowerCase());
    else throw new Error(`unknown argument ${arg}; use --stack embedded|nats-postgres, --short, --only <names>`);
  }
  return { stack, short, only };
}

const pad = (text: string | number, width: number) => String(text).padStart(width);

function row(name: string, score: Score): string {
  const recover = score.recoverMs === undefined ? 'never' : `${(score.recoverMs / 1000).toFixed(1)} s`;
  return `| ${name.padEnd(46)} | ${pad(score.accepted, 8)} | ${pad(score.completed, 9)} | ${pad(score.lost, 4)} | ${pad(score.chargedTwice, 13)} | ${pad(
    score.stockDrift,
    11,
  )} | ${pad(score.failedRequests, 15)} | ${pad(recover, 10)} |`;
}

async function main(): Promise<void> {
  const { stack, short, only } = parseArgs(process.argv.slice(2));
  const durations: Durations = short ? { load: 6, outage: 10, window: 4 } : { load: 15, outage: 30, window: 10 };
  const chosen = SCENARIOS.filter((s) => !only || only.some((o) => s.name.toLowerCase().includes(o)));
  if (chosen.length === 0) throw new Error(`no scenario matches ${only?.join(', ')}`);
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const began = Date.now();
  say(`chaos on ${stack}${short ? ' (short)' : ''}: ${chosen.length} scenario(s), 4 shoppers checking out throughout`);
  const shop = new ChaosShop(root, stack);
  const rows: string[] = [];
  let bad = 0;
  const onSignal = () => void shop.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await shop.start(4);
    for (const scenario of chosen) {
      say(`- ${scenario.name}`);
      const score = await shop.scenario(() => scenario.run(shop, durations), durations.load * 1000, 240_000);
      for (const note of score.notes.slice(0, 10)) say(`  ${note}`);
      const unmet = scenario.unmet?.();
      if (unmet) say(`  the fault did not happen as meant: ${unmet}`);
      const wrong = score.lost > 0 || score.chargedTwice > 0 || score.stockDrift !== 0;
      const failed = unmet !== undefined || wrong || score.recoverMs === undefined || score.accepted === 0;
      if (failed) bad++;
      rows.push(row(`${failed ? '✗' : '✓'} ${scenario.name}`, score));
      say(rows.at(-1));
    }
  } finally {
    await shop.stop();
  }
  say(`\nscorecard (${stack}, ${short ? 'short' : 'full'} run, ${Math.round((Date.now() - began) / 1000)} s in all)\n`);
  say(
    '| scenario                                       | accepted | completed | lost | charged twice | stock drift | failed requests |  recovered |',
  );
  say('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const line of rows) say(line);
  if (bad > 0) {
    say(`\n${bad} scenario(s) lost something, charged twice, left stock wrong, never recovered or missed their fault`);
    process.exitCode = 1;
  }
}

await main();
