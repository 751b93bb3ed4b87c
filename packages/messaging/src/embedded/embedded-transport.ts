import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { closeSync, type FSWatcher, openSync, utimesSync, watch } from 'node:fs';
import { resolve } from 'node:path';
import { openPrivateSqlite } from '@microshop/data';
import type SqliteDatabase from 'better-sqlite3';
import { type ConsumeOptions, type DeadLetter, type IncomingMessage, MAX_IN_FLIGHT, type Subscription, type Transport, UnknownDeadLetterError } from '../transport.js';

export interface EmbeddedOptions {
  dataDir: string;
  /** A claimed message not acknowledged within this time is delivered again (a crashed consumer). */
  ackWaitMs?: number;
  /** Fallback polling when no file-change notice arrives. */
  pollMs?: number;
  batchSize?: number;
}

const SCHEMA = `
create table if not exists messages (
  seq integer primary key autoincrement,
  id text not null unique,
  type text not null,
  body text not null,
  published_at integer not null
);
create table if not exists subscriptions (
  grp text not null,
  type text not null,
  primary key (grp, type)
);
create table if not exists deliveries (
  id integer primary key autoincrement,
  grp text not null,
  seq integer not null references messages(seq),
  status text not null default 'pending',
  attempts integer not null default 0,
  visible_at integer not null,
  lease_owner text,
  lease_until integer,
  last_error text,
  unique (grp, seq)
);
create index if not exists deliveries_ready on deliveries (grp, status, seq);
create index if not exists deliveries_seq on deliveries (seq);
create index if not exists deliveries_dead on deliveries (status, visible_at);
create index if not exists messages_published on messages (published_at);
`;

/** How long a write waits for the bus file's lock before it fails (as SQLite's busy_timeout did). */
const LOCK_WAIT_MS = 5_000;
/** The longest pause between two tries for the lock: it is held for well under a millisecond at a time. */
const LOCK_RETRY_MAX_MS = 4;

const isBusy = (error: unknown): boolean => (error as { code?: string } | null)?.code?.startsWith('SQLITE_BUSY') === true;

/** Rows deleted per write transaction when pruning. */
const PRUNE_CHUNK = 5_000;

type ClaimedRow = { id: number; seq: number; attempts: number; body: string };

/**
 * The laptop's event bus: one SQLite file in the data directory that every process of the
 * system opens. Publishing appends to `messages` and fans out a delivery row per subscribed
 * group; consumers claim rows with a lease, so instances of one group share the work and a
 * crashed consumer's messages come back when the lease ends. Same semantics as the NATS
 * transport: durable groups, at-least-once, redelivery with backoff, dead letters.
 */
export class EmbeddedTransport implements Transport {
  readonly kind = 'embedded' as const;
  readonly #db: SqliteDatabase.Database;
  readonly #dir: string;
  /** Touched after every commit that makes deliveries visible: other processes' consumers wake on it (#announce). */
  readonly #signal: string;
  readonly #local = new EventEmitter();
  readonly #ackWaitMs: number;
  readonly #pollMs: number;
  readonly #batchSize: number;
  /** The busy handler off for a write transaction, and back on after it (#write). */
  readonly #writeNow: SqliteDatabase.Statement;
  readonly #readPatiently: SqliteDatabase.Statement;
  #watcher: FSWatcher | undefined;
  #closed = false;
  readonly #subscriptions = new Set<{ stop(): Promise<void> }>();

  constructor(options: EmbeddedOptions) {
    this.#dir = resolve(options.dataDir, 'bus');
    this.#db = openPrivateSqlite(this.#dir, 'bus.sqlite').database;
    this.#signal = resolve(this.#dir, 'committed');
    closeSync(openSync(this.#signal, 'a', 0o600));
    // Reads and the set-up here wait for a lock in SQLite's busy handler (a reader meets one only
    // while another process recovers the WAL index); writes do not (#write).
    this.#db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(SCHEMA);
    this.#ackWaitMs = options.ackWaitMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 250;
    this.#batchSize = options.batchSize ?? MAX_IN_FLIGHT;
    this.#local.setMaxListeners(0);
    this.#writeNow = this.#db.prepare('pragma busy_timeout = 0');
    this.#readPatiently = this.#db.prepare(`pragma busy_timeout = ${LOCK_WAIT_MS}`);
  }

  /**
   * Runs `work` in a write transaction (BEGIN IMMEDIATE), trying again while another process
   * holds the bus file's write lock, for up to LOCK_WAIT_MS. Between tries the event loop is
   * free: eight processes share the file, and with SQLite's own busy handler each waited for the
   * lock inside the call, asleep with everything else it had to do (measured with the CPU
   * profiler under checkout load: most of the shop's blocked time). So the busy handler is off
   * for the transaction alone (nothing else runs on this connection meanwhile: it is synchronous).
   * `work` must have no effect outside the database: a try that fails is rolled back and run again.
   */
  async #write<T>(work: () => T): Promise<T> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let pause = 0; ; pause = Math.min(LOCK_RETRY_MAX_MS, pause * 2 || 1)) {
      this.#writeNow.get();
      try {
        return this.#db.transaction(work).immediate();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      } finally {
        this.#readPatiently.get();
      }
      await new Promise((resolve) => (pause === 0 ? setImmediate(resolve) : setTimeout(resolve, pause)));
    }
  }

  /**
   * Wakes this process's consumers now, and other processes' through the signal file, whose change
   * comes after the commit. The WAL file's own writes wake them too, but those may come before the
   * WAL index shows the commit: a consumer woken then found nothing and slept until its poll (seen
   * under CPU contention: 2–3 deliveries in 60 took 252 ms, the poll interval; none over 7 ms since).
   */
  #announce(): void {
    this.#local.emit('wake');
    try {
      const now = new Date();
      utimesSync(this.#signal, now, now);
    } catch {
      // the next poll delivers it
    }
  }

  /** Wakes consumers in other processes: every commit touches the WAL file in the bus folder, and #announce the signal file. */
  #watch(): void {
    if (this.#watcher) return;
    try {
      this.#watcher = watch(this.#dir, { persistent: false }, () => this.#local.emit('wake'));
      this.#watcher.on('error', () => {
        this.#watcher = undefined;
      });
    } catch {
      // no file notifications on this platform: polling alone still delivers
    }
  }

  async publish(events: ReadonlyArray<{ id: string; type: string; body: string }>): Promise<void> {
    if (events.length === 0) return;
    const insert = this.#db.prepare('insert or ignore into messages (id, type, body, published_at) values (?, ?, ?, ?)');
    const fanOut = this.#db.prepare(
      `insert or ignore into deliveries (grp, seq, visible_at)
       select grp, ?, ? from subscriptions where type = ?`,
    );
    const now = Date.now();
    await this.#write(() => {
      for (const event of events) {
        const result = insert.run(event.id, event.type, event.body, now);
        if (result.changes === 1) fanOut.run(result.lastInsertRowid, now, event.type);
      }
    });
    this.#announce();
  }

  async consume(options: ConsumeOptions, onMessage: (message: IncomingMessage) => Promise<void>): Promise<Subscription> {
    const { group } = options;
    const now = Date.now();
    // A new (group, type) pair starts from the beginning of the retained log, like a new
    // JetStream durable consumer with the default deliver-all policy.
    await this.#write(() => {
      for (const type of options.types) {
        const added = this.#db.prepare('insert or ignore into subscriptions (grp, type) values (?, ?)').run(group, type);
        if (added.changes === 1) {
          this.#db
            .prepare('insert or ignore into deliveries (grp, seq, visible_at) select ?, seq, ? from messages where type = ?')
            .run(group, now, type);
        }
      }
    });

    const owner = randomUUID();
    const claim = this.#db.prepare(
      `update deliveries set lease_owner = @owner, lease_until = @until, attempts = attempts + 1
       where id in (
         select id from deliveries
         where grp = @group and status = 'pending' and visible_at <= @now and (lease_until is null or lease_until < @now)
         order by seq limit @limit)
       returning id, seq, attempts`,
    );
    // Every commit to the bus file wakes every process; most have nothing to claim. Asking first
    // is a read (in WAL mode a reader does not wait for the writer), so only a group with work takes the write lock. Without
    // it, eight processes each took it on every commit and waited in SQLite's busy handler: a
    // third of the shop's main-thread time under checkout load (measured with the CPU profiler).
    const ready = this.#db
      .prepare(
        `select 1 from deliveries
         where grp = @group and status = 'pending' and visible_at <= @now and (lease_until is null or lease_until < @now)
         limit 1`,
      )
      .pluck();
    const bodyOf = this.#db.prepare('select body from messages where seq = ?').pluck();
    const ack = this.#db.prepare('delete from deliveries where id = ? and lease_owner = ?');
    const retry = this.#db.prepare('update deliveries set lease_owner = null, lease_until = null, visible_at = ? where id = ? and lease_owner = ?');
    const dead = this.#db.prepare(
      // A dead letter's visible_at is when it died: retention ages it from then.
      'update deliveries set status = \'dead\', last_error = ?, visible_at = ?, lease_owner = null, lease_until = null where id = ? and lease_owner = ?',
    );
    const nextVisible = this.#db
      .prepare('select min(max(visible_at, coalesce(lease_until, 0))) from deliveries where grp = ? and status = \'pending\'')
      .pluck();

    let stopped = false;
    let running: Promise<void> | undefined;
    let again = false;
    let timer: NodeJS.Timeout | undefined;

    const claimBatch = async (): Promise<ClaimedRow[]> => {
      if (ready.get({ group, now: Date.now() }) === undefined) return [];
      const rows = await this.#write(() => {
        // The lock may have come after stop() (never claim then), and later than the read above.
        if (stopped) return [];
        const at = Date.now();
        return claim.all({ owner, until: at + this.#ackWaitMs, group, now: at, limit: this.#batchSize }) as Omit<ClaimedRow, 'body'>[];
      });
      return rows.sort((a, b) => a.seq - b.seq).map((row) => ({ ...row, body: bodyOf.get(row.seq) as string }));
    };

    let failures = 0;
    const drain = async () => {
      try {
        do {
          again = false;
          // Never claim after stop(): claimed rows would sit leased until the lease ran out.
          while (!stopped) {
            const batch = await claimBatch();
            if (batch.length === 0) break;
            // Acks of a batch are written together, in one transaction.
            const acked: number[] = [];
            await Promise.all(
              batch.map((row) =>
                onMessage({
                  body: row.body,
                  attempt: row.attempts,
                  ack: async () => void acked.push(row.id),
                  retry: async (delayMs) => void (await this.#write(() => retry.run(Date.now() + delayMs, row.id, owner))),
                  deadLetter: async (reason) => void (await this.#write(() => dead.run(reason.slice(0, 2000), Date.now(), row.id, owner))),
                }).catch(() => {}),
              ),
            );
            if (acked.length > 0) await this.#write(() => acked.forEach((id) => ack.run(id, owner)));
          }
        } while (again && !stopped);
        failures = 0;
      } catch {
        // The bus file was busy past its timeout or failed: unacked rows come back after their lease.
        failures++;
      }
      schedule(failures);
    };

    // Sleep until woken, the poll interval, or the next delayed retry, whichever is first.
    const schedule = (failures = 0) => {
      if (stopped) return;
      clearTimeout(timer);
      if (failures > 0) {
        timer = setTimeout(wake, Math.min(this.#pollMs * 2 ** failures, 10_000));
        return;
      }
      let next: number | null = null;
      try {
        next = nextVisible.get(group) as number | null;
      } catch {
        next = null;
      }
      const wait = next === null ? this.#pollMs : Math.max(0, Math.min(this.#pollMs, next - Date.now() + 1));
      timer = setTimeout(wake, wait);
    };
    const wake = () => {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = drain().finally(() => {
        running = undefined;
      });
    };

    this.#watch();
    this.#local.on('wake', wake);
    wake();
    const subscription = {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        this.#local.off('wake', wake);
        await running;
        this.#subscriptions.delete(subscription);
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async deadLetterCount(group: string): Promise<number> {
    const row = this.#db.prepare('select count(*) as n from deliveries where status = \'dead\' and grp = ?').get(group) as { n: number };
    return row.n;
  }

  async deadLetters(group?: string): Promise<DeadLetter[]> {
    const rows = this.#db
      .prepare(
        `select d.id, d.grp, d.attempts, d.last_error, m.type, m.id as event_id, m.body
         from deliveries d join messages m on m.seq = d.seq
         where d.status = 'dead' and (? is null or d.grp = ?) order by d.seq`,
      )
      .all(group ?? null, group ?? null) as Array<{
      id: number;
      grp: string;
      attempts: number;
      last_error: string | null;
      type: string;
      event_id: string;
      body: string;
    }>;
    return rows.map((r) => ({
      id: String(r.id),
      group: r.grp,
      type: r.type,
      eventId: r.event_id,
      reason: r.last_error ?? '',
      attempts: r.attempts,
      body: r.body,
    }));
  }

  async replay(id: string): Promise<void> {
    const replay = this.#db.prepare('update deliveries set status = \'pending\', attempts = 0, visible_at = ?, last_error = null where id = ? and status = \'dead\'');
    const result = await this.#write(() => replay.run(Date.now(), Number(id)));
    if (result.changes !== 1) throw new UnknownDeadLetterError(id);
    this.#announce();
  }

  async pending(group: string): Promise<number> {
    return this.#db.prepare('select count(*) from deliveries where grp = ? and status = \'pending\'').pluck().get(group) as number;
  }

  async prune(limits: { maxAgeMs: number; deadLetterMax: number }, now = Date.now()): Promise<{ messages: number; deadLetters: number }> {
    const cutoff = now - limits.maxAgeMs;
    // In chunks, each its own short write transaction, so publishers and consumers are not held up.
    const chunked = async (statement: SqliteDatabase.Statement, ...args: unknown[]) => {
      let total = 0;
      for (;;) {
        const n = await this.#write(() => statement.run(...args).changes);
        total += n;
        if (n < PRUNE_CHUNK) return total;
      }
    };
    const oldDead = this.#db.prepare(
      `delete from deliveries where id in (
         select id from deliveries where status = 'dead' and visible_at < ? order by visible_at limit ${PRUNE_CHUNK})`,
    );
    let deadLetters = await chunked(oldDead, cutoff);
    // All but the newest `deadLetterMax`: the same rows whichever of the processes sharing the bus runs it.
    const surplus = this.#db.prepare(
      `delete from deliveries where id in (
         select id from deliveries where status = 'dead' and id not in (
           select id from deliveries where status = 'dead' order by visible_at desc, id desc limit ?)
         limit ${PRUNE_CHUNK})`,
    );
    deadLetters += await chunked(surplus, limits.deadLetterMax);
    // Events expire after the retention whether or not a group took them, as on NATS (max_age): a
    // group that stopped consuming (a retired service, a removed handler) pins nothing for ever.
    const expired = this.#db.prepare(
      `delete from deliveries where id in (
         select d.id from deliveries d join messages m on m.seq = d.seq
         where d.status = 'pending' and m.published_at < ? and (d.lease_until is null or d.lease_until < ?) limit ${PRUNE_CHUNK})`,
    );
    await chunked(expired, cutoff, now);
    // A message is done with once no group has a delivery of it left (pending or dead).
    const settled = this.#db.prepare(
      `delete from messages where seq in (
         select m.seq from messages m where m.published_at < ?
         and not exists (select 1 from deliveries d where d.seq = m.seq) order by m.published_at limit ${PRUNE_CHUNK})`,
    );
    const messages = await chunked(settled, cutoff);
    return { messages, deadLetters };
  }

  async ping(): Promise<void> {
    this.#db.prepare('select 1').get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    this.#watcher?.close();
    this.#db.close();
  }
}
