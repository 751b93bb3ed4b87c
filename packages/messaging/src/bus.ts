import type { EventData, EventType } from '@microshop/contracts';
import { type Kysely, sql } from '@microshop/data';
import { type CloudEvent, createEvent, MalformedEventError, parseEvent } from './envelope.js';
import type { BusObserver } from './metrics.js';
import { enqueue, OutboxRelay } from './outbox.js';
import { type RetainedTable, Retention, type RetentionLimits } from './retention.js';
import type { MessagingTables } from './tables.js';
import { context as otelContext } from '@opentelemetry/api';
import { endSpans, failSpan, startProcessSpan, traced } from './tracing.js';
import type { IncomingMessage, Subscription, Transport } from './transport.js';

export interface BusLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Handles one event inside the consumer's transaction; events it emits commit with its writes. */
export type EventHandler<DB> = (trx: Kysely<DB>, event: CloudEvent, emit: Emit, afterCommit: AfterCommit) => Promise<void>;

/** Runs `done` once the handler's transaction has committed (never if it is rolled back); `done` must not throw. */
export type AfterCommit = (done: () => void) => void;

export interface EventBusOptions {
  /** The service name: the events' `source` and the consumer group. */
  service: string;
  transport: Transport;
  log: BusLogger;
  /** Deliveries before a failing message is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Delay before delivery `attempt + 1` (default 1 s doubling, at most 60 s). */
  backoffMs?: (attempt: number) => number;
  relayPollMs?: number;
  /** Told of handled, retried and dead-lettered events (metrics). */
  observer?: BusObserver;
  /** What it prunes, and when (default: 168 hours, 10000 dead letters, only the messaging tables). */
  retention?: RetentionLimits & { tables?: readonly RetainedTable[] };
}

export type Emit = <K extends EventType>(type: K, subject: string, data: EventData<K>) => void;

/** Deliveries without any answer after which a message is taken for poison. */
const POISON_DELIVERIES = 25;

/** Thrown out of a batch's transaction to roll it back when the handler of its only event failed. */
class HandlerFailed extends Error {}

/** Most events handled in one transaction. */
const BATCH_LIMIT = 256;

const defaultBackoff = (attempt: number) => Math.min(1_000 * 2 ** (attempt - 1), 60_000);

/**
 * A service's events: `transaction` writes state and events together (outbox) and publishes
 * after the commit; `on` registers one idempotent handler per consumed event type (inbox);
 * failures are retried with backoff, then dead-lettered with the reason.
 */
export class EventBus<DB extends MessagingTables> {
  readonly relay: OutboxRelay<DB>;
  readonly retention: Retention<DB>;
  readonly #handlers = new Map<string, EventHandler<DB>>();
  readonly #queue: Array<{ message: IncomingMessage; resolve: () => void }> = [];
  #draining: Promise<void> | undefined;
  #subscription: Subscription | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: EventBusOptions,
  ) {
    this.relay = new OutboxRelay(db, options.transport, options.log, { pollMs: options.relayPollMs });
    this.retention = new Retention(db, options.transport, options.log, options.retention ?? { maxAgeMs: 168 * 3_600_000, deadLetterMax: 10_000 });
  }

  get transport(): Transport {
    return this.options.transport;
  }

  /** The consumer group it consumes as: the service name, shared by all of its instances. */
  get group(): string {
    return this.options.service;
  }

  /** The event types it has handlers for (what its group consumes once started). */
  get types(): string[] {
    return [...this.#handlers.keys()];
  }

  /** Runs `work` in one database transaction; events it emits commit with it, then get published. */
  async transaction<T>(work: (trx: Kysely<DB>, emit: Emit) => Promise<T>, context: { traceparent?: string } = {}): Promise<T> {
    const result = await this.db.transaction().execute(async (trx) => {
      const events: CloudEvent[] = [];
      const emit: Emit = (type, subject, data) => {
        events.push(traced(this.transport.kind, createEvent(this.options.service, type, subject, data), context.traceparent));
      };
      const value = await work(trx as unknown as Kysely<DB>, emit);
      await enqueue(trx, events);
      return value;
    });
    this.relay.kick();
    return result;
  }

  on(type: EventType, handler: EventHandler<DB>): this {
    this.#handlers.set(type, handler);
    return this;
  }

  /**
   * Messages that arrive together are handled together: one database transaction per batch,
   * each event inside its own savepoint with its inbox row, so one failing handler is rolled
   * back alone while the batch pays for one commit. Batches run one after another, each in
   * delivery order, so one subject's events are handled in the order they were published.
   */
  #dispatch(message: IncomingMessage): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#queue.push({ message, resolve });
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = new Promise<void>((r) => setImmediate(r))
      .then(async () => {
        while (this.#queue.length > 0) await this.#handleBatch(this.#queue.splice(0, BATCH_LIMIT));
      })
      .catch((error: unknown) => this.options.log.error({ err: error }, 'event batch failed unexpectedly'))
      .finally(() => {
        this.#draining = undefined;
        if (this.#queue.length > 0) this.#drain();
      });
  }

  async #handleBatch(batch: Array<{ message: IncomingMessage; resolve: () => void }>): Promise<void> {
    const { log, service } = this.options;
    const work: Array<{
      message: IncomingMessage;
      resolve: () => void;
      event: CloudEvent;
      handler: EventHandler<DB>;
      error?: unknown;
      seconds?: number;
      committed?: Array<() => void>;
    }> = [];
    for (const item of batch) {
      let event: CloudEvent;
      try {
        event = parseEvent(item.message.body);
      } catch (error) {
        const reason = error instanceof MalformedEventError ? `malformed: ${error.message}` : String(error);
        log.warn({ reason }, 'dead-lettering a malformed message');
        this.options.observer?.deadLettered('unknown');
        await item.message.deadLetter(reason).catch(() => {});
        item.resolve();
        continue;
      }
      const handler = this.#handlers.get(event.type);
      if (!handler) {
        await item.message.ack().catch(() => {});
        item.resolve();
        continue;
      }
      // Delivered again and again without an answer (it kills the consumer, or outlives the ack
      // wait): give up on it rather than let it crash every instance forever.
      // Generous: deliveries retried because the database was down count too, and an outage of
      // several minutes must not dead-letter what is in flight.
      if (item.message.attempt > POISON_DELIVERIES) {
        log.error({ eventId: event.id, type: event.type, attempts: item.message.attempt }, 'dead-lettering an event that is never acknowledged');
        this.options.observer?.deadLettered(event.type);
        await item.message.deadLetter(`delivered ${item.message.attempt} times without being acknowledged`).catch(() => {});
        item.resolve();
        continue;
      }
      work.push({ ...item, event, handler });
    }
    if (work.length > 0) {
      let publishAfterCommit = false;
      // A savepoint around each event lets one event's failure leave the others' work in the
      // batch; an event alone in its batch needs none (its failure rolls the transaction back), and
      // on PostgreSQL that saves two round trips per event, most of them under a steady trickle.
      const alone = work.length === 1;
      try {
        await this.db.transaction().execute(async (trx) => {
          const inbox = trx as unknown as Kysely<MessagingTables>;
          for (const item of work) {
            const began = performance.now();
            // The event's handling continues the trace it was written in; its queries and the
            // events it emits are children of this span.
            const processing = startProcessSpan(this.transport.kind, service, item.event, item.message.attempt);
            await otelContext.with(processing.context, async () => {
              if (!alone) await sql`savepoint inbox_event`.execute(trx);
              try {
                const inserted = await inbox
                  .insertInto('inbox')
                  .values({ consumer: service, event_id: item.event.id, handled_at: new Date().toISOString() })
                  .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
                  .executeTakeFirst();
                // Zero rows: handled before (a redelivery); the inbox row makes it a no-op.
                if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) {
                  const emitted: CloudEvent[] = [];
                  const emit: Emit = (type, subject, data) => {
                    emitted.push(traced(this.transport.kind, createEvent(service, type, subject, data), item.event.traceparent));
                  };
                  await item.handler(trx as unknown as Kysely<DB>, item.event, emit, (done) => (item.committed ??= []).push(done));
                  await enqueue(trx, emitted);
                  if (emitted.length > 0) publishAfterCommit = true;
                }
                if (!alone) await sql`release savepoint inbox_event`.execute(trx);
              } catch (error) {
                item.error = error ?? new Error('handler failed');
                failSpan(processing.span, item.error);
                if (alone) throw new HandlerFailed();
                await sql`rollback to savepoint inbox_event`.execute(trx);
                await sql`release savepoint inbox_event`.execute(trx);
              } finally {
                endSpans([processing.span]);
                item.seconds = (performance.now() - began) / 1000;
              }
            });
          }
        });
      } catch (error) {
        // A handler's failure, when its event was alone in the batch, rolled the transaction back
        // whole: it is settled below like any failed handling. Anything else is the database.
        if (!(error instanceof HandlerFailed)) {
          // The database failed (not a handler): nothing of the batch happened. Retry every message
          // without dead-lettering it; an outage must not turn into a pile of dead letters.
          log.warn({ err: error, events: work.length }, 'event batch could not commit; will retry');
          for (const item of work) {
            this.options.observer?.retried(item.event.type);
            await item.message.retry(Math.min(1_000 * 2 ** Math.min(item.message.attempt, 5), 30_000)).catch(() => {});
            item.resolve();
          }
          return;
        }
      }
      if (publishAfterCommit) this.relay.kick();
      for (const item of work) {
        this.options.observer?.handled(item.event.type, item.seconds ?? 0, item.error !== undefined);
        if (item.error === undefined) for (const done of item.committed ?? []) done();
        try {
          if (item.error === undefined) await item.message.ack();
          else await this.#failed(item.message, item.event, item.error);
        } catch (error) {
          log.warn({ err: error, eventId: item.event.id }, 'could not settle a message; it will be delivered again');
        }
        item.resolve();
      }
    }
  }

  async #failed(message: IncomingMessage, event: CloudEvent, error: unknown): Promise<void> {
    const { log } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 5;
    const text = (error as Error)?.message ?? String(error);
    if (message.attempt >= maxAttempts) {
      log.error({ eventId: event.id, type: event.type, attempts: message.attempt, err: error }, 'dead-lettering an event that keeps failing');
      this.options.observer?.deadLettered(event.type);
      await message.deadLetter(`failed ${message.attempt} times: ${text}`);
    } else {
      const delay = (this.options.backoffMs ?? defaultBackoff)(message.attempt);
      log.warn({ eventId: event.id, type: event.type, attempt: message.attempt, retryInMs: delay, err: error }, 'event handler failed; will retry');
      this.options.observer?.retried(event.type);
      await message.retry(delay);
    }
  }

  /** Starts the outbox relay and, if any handler is registered, the consumer. */
  async start(): Promise<void> {
    this.relay.start();
    this.retention.start();
    if (this.#handlers.size > 0) {
      this.#subscription = await this.options.transport.consume({ group: this.options.service, types: [...this.#handlers.keys()] }, (m) =>
        this.#dispatch(m),
      );
    }
  }

  async stop(): Promise<void> {
    await this.#subscription?.stop();
    this.#subscription = undefined;
    await Promise.all([this.relay.stop(), this.retention.stop()]);
  }
}
