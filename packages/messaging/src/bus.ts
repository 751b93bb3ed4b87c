import type { EventData, EventType } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import { type CloudEvent, createEvent, MalformedEventError, parseEvent } from './envelope.js';
import { handleOnce } from './inbox.js';
import { enqueue, OutboxRelay } from './outbox.js';
import type { MessagingTables } from './tables.js';
import type { IncomingMessage, Subscription, Transport } from './transport.js';

export interface BusLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type EventHandler<DB> = (trx: Kysely<DB>, event: CloudEvent) => Promise<void>;

export interface EventBusOptions {
  /** The service name: the events' `source` and the consumer group. */
  service: string;
  transport: Transport;
  log: BusLogger;
  /** Deliveries before a failing message is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Delay before delivery `attempt + 1` (default 200 ms doubling, at most 30 s). */
  backoffMs?: (attempt: number) => number;
  relayPollMs?: number;
}

export type Emit = <K extends EventType>(type: K, subject: string, data: EventData<K>) => void;

const defaultBackoff = (attempt: number) => Math.min(200 * 2 ** (attempt - 1), 30_000);

/**
 * A service's events: `transaction` writes state and events together (outbox) and publishes
 * after the commit; `on` registers one idempotent handler per consumed event type (inbox);
 * failures are retried with backoff, then dead-lettered with the reason.
 */
export class EventBus<DB extends MessagingTables> {
  readonly relay: OutboxRelay<DB>;
  readonly #handlers = new Map<string, EventHandler<DB>>();
  #subscription: Subscription | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: EventBusOptions,
  ) {
    this.relay = new OutboxRelay(db, options.transport, options.log, { pollMs: options.relayPollMs });
  }

  get transport(): Transport {
    return this.options.transport;
  }

  /** Runs `work` in one database transaction; events it emits commit with it, then get published. */
  async transaction<T>(work: (trx: Kysely<DB>, emit: Emit) => Promise<T>, context: { traceparent?: string } = {}): Promise<T> {
    const result = await this.db.transaction().execute(async (trx) => {
      const events: CloudEvent[] = [];
      const emit: Emit = (type, subject, data) => {
        events.push(createEvent(this.options.service, type, subject, data, { traceparent: context.traceparent }));
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

  async #onMessage(message: IncomingMessage): Promise<void> {
    const { log, service } = this.options;
    let event: CloudEvent;
    try {
      event = parseEvent(message.body);
    } catch (error) {
      const reason = error instanceof MalformedEventError ? `malformed: ${error.message}` : String(error);
      log.warn({ reason }, 'dead-lettering a malformed message');
      await message.deadLetter(reason);
      return;
    }
    const handler = this.#handlers.get(event.type);
    if (!handler) {
      await message.ack();
      return;
    }
    try {
      await handleOnce(this.db, service, event, handler);
      await message.ack();
    } catch (error) {
      const maxAttempts = this.options.maxAttempts ?? 5;
      const text = (error as Error)?.message ?? String(error);
      if (message.attempt >= maxAttempts) {
        log.error({ eventId: event.id, type: event.type, attempts: message.attempt, err: error }, 'dead-lettering an event that keeps failing');
        await message.deadLetter(`failed ${message.attempt} times: ${text}`);
      } else {
        const delay = (this.options.backoffMs ?? defaultBackoff)(message.attempt);
        log.warn({ eventId: event.id, type: event.type, attempt: message.attempt, retryInMs: delay, err: error }, 'event handler failed; will retry');
        await message.retry(delay);
      }
    }
  }

  /** Starts the outbox relay and, if any handler is registered, the consumer. */
  async start(): Promise<void> {
    this.relay.start();
    if (this.#handlers.size > 0) {
      this.#subscription = await this.options.transport.consume({ group: this.options.service, types: [...this.#handlers.keys()] }, (m) =>
        this.#onMessage(m),
      );
    }
  }

  async stop(): Promise<void> {
    await this.#subscription?.stop();
    this.#subscription = undefined;
    await this.relay.stop();
  }
}
