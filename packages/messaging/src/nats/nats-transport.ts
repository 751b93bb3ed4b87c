import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, headers, type NatsConnection, nanos } from '@nats-io/transport-node';
import { PartialPublishError, UnknownDeadLetterError } from '../transport.js';
import { type ConsumeOptions, type DeadLetter, type IncomingMessage, MAX_IN_FLIGHT, type Subscription, type Transport } from '../transport.js';


export interface NatsOptions {
  url: string;
  /** Connection name shown by the server (service and instance). */
  name: string;
  ackWaitMs?: number;
  /** How long events and dead letters are kept in their streams (default 7 days). */
  maxAgeMs?: number;
  /** Dead letters kept at most, the oldest dropped first (default 10000). */
  deadLetterMax?: number;
  /** Prefix of stream and subject names (default `microshop`); tests use their own. */
  namespace?: string;
  /** Copies of each stream in a JetStream cluster (default 1: a single server). */
  replicas?: number;
}

const token = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * The production transport: NATS JetStream. Events go to one file-backed stream, one subject per
 * type, deduplicated by event id; each (group, type) is a durable pull consumer with explicit acks,
 * so instances of a service share work and each service gets every event. Dead letters go to a
 * second stream with the reason in a header. The client reconnects forever when the server restarts.
 */
export class NatsTransport implements Transport {
  readonly kind = 'nats' as const;
  #subscriptions = new Set<Subscription>();

  readonly eventsStream: string;
  readonly deadLetterStream: string;
  readonly #eventsPrefix: string;
  readonly #dlqPrefix: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly ackWaitMs: number,
    namespace: string,
  ) {
    this.eventsStream = `${namespace.toUpperCase()}_EVENTS`;
    this.deadLetterStream = `${namespace.toUpperCase()}_DLQ`;
    this.#eventsPrefix = `${namespace}.events`;
    this.#dlqPrefix = `${namespace}.dlq`;
  }

  #eventSubject(type: string): string {
    return `${this.#eventsPrefix}.${type}`;
  }

  static async connect(options: NatsOptions): Promise<NatsTransport> {
    const nc = await connect({
      servers: options.url,
      name: options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: false,
    });
    const namespace = token(options.namespace ?? 'microshop');
    try {
      const jsm = await jetstreamManager(nc);
      // The server enforces retention: events and dead letters expire by age, and dead letters past
      // the count go oldest first (the streams' default discard policy). A connection that names no
      // limits (a tool such as `npm run dead-letters`) leaves an existing stream's as they are.
      const given = options.maxAgeMs !== undefined;
      const maxAge = nanos(options.maxAgeMs ?? 7 * 24 * 3600 * 1000);
      const streams = [
        { name: `${namespace.toUpperCase()}_EVENTS`, subjects: [`${namespace}.events.>`], limits: { max_age: maxAge, max_msgs: -1 } },
        {
          name: `${namespace.toUpperCase()}_DLQ`,
          subjects: [`${namespace}.dlq.>`],
          limits: { max_age: maxAge, max_msgs: options.deadLetterMax ?? 10_000 },
        },
      ];
      for (const { name, subjects, limits } of streams) {
        const config = {
          name,
          subjects,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          duplicate_window: nanos(2 * 60 * 1000),
          // Raised on an existing stream too (JetStream scales it up in place).
          num_replicas: options.replicas ?? 1,
        };
        const existing = await jsm.streams.info(name).catch(() => null);
        if (!existing) await jsm.streams.add({ ...config, ...limits });
        else if (given || options.deadLetterMax !== undefined || options.replicas !== undefined) {
          await jsm.streams.update(name, {
            ...config,
            max_age: given ? limits.max_age : existing.config.max_age,
            max_msgs: name.endsWith('_DLQ') && options.deadLetterMax === undefined ? existing.config.max_msgs : limits.max_msgs,
          });
        }
      }
      return new NatsTransport(nc, jetstream(nc), jsm, options.ackWaitMs ?? 30_000, namespace);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async publish(events: ReadonlyArray<{ id: string; type: string; body: string }>): Promise<void> {
    // One at a time, stopping at the first failure: if a later event were stored while an earlier
    // one failed, the retry would put the earlier one after it.
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (!event) continue;
      try {
        await this.js.publish(this.#eventSubject(event.type), event.body, { msgID: event.id });
      } catch (error) {
        throw new PartialPublishError(i, error);
      }
    }
  }

  async consume(options: ConsumeOptions, onMessage: (message: IncomingMessage) => Promise<void>): Promise<Subscription> {
    const loops: Array<{ stop(): void; done: Promise<void> }> = [];
    for (const type of options.types) {
      const durable = `${token(options.group)}__${token(type)}`;
      const config = {
        durable_name: durable,
        filter_subject: this.#eventSubject(type),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(this.ackWaitMs),
        max_ack_pending: 1_000,
      };
      try {
        await this.jsm.consumers.info(this.eventsStream, durable);
        await this.jsm.consumers.update(this.eventsStream, durable, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending });
      } catch {
        await this.jsm.consumers.add(this.eventsStream, config);
      }
      const consumer = await this.js.consumers.get(this.eventsStream, durable);
      const messages = await consumer.consume({ max_messages: 256 });
      const done = (async () => {
        const inFlight = new Set<Promise<void>>();
        for await (const msg of messages) {
          const body = msg.string();
          const handling = onMessage({
            body,
            attempt: msg.info.deliveryCount,
            // A lost ack means one redelivery, which the inbox absorbs; no round trip per message.
            ack: async () => msg.ack(),
            retry: async (delayMs) => msg.nak(delayMs),
            deadLetter: async (reason) => {
              const h = headers();
              h.set('Microshop-Group', options.group);
              h.set('Microshop-Type', type);
              h.set('Microshop-Reason', reason.replace(/[\r\n]+/g, ' ').slice(0, 1000));
              h.set('Microshop-Attempts', String(msg.info.deliveryCount));
              await this.js.publish(`${this.#dlqPrefix}.${token(options.group)}.${type}`, body, {
                headers: h,
                msgID: `${options.group}:${msg.info.streamSequence}`,
              });
              // No reason on the TERM: servers before 2.10 ignore `+TERM <reason>` and would redeliver
              // the message every ack wait forever; the reason is in the dead letter's header.
              msg.term();
            },
          }).catch(() => {});
          inFlight.add(handling);
          void handling.finally(() => inFlight.delete(handling));
          if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
        }
        await Promise.allSettled(inFlight);
      })();
      loops.push({ stop: () => messages.stop(), done });
    }
    const subscription: Subscription = {
      stop: async () => {
        for (const loop of loops) loop.stop();
        await Promise.allSettled(loops.map((l) => l.done));
        this.#subscriptions.delete(subscription);
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async deadLetterCount(group: string): Promise<number> {
    // A group's letters are under its own subjects: the server counts them, no message is read.
    const info = await this.jsm.streams.info(this.deadLetterStream, { subjects_filter: `${this.#dlqPrefix}.${token(group)}.>` });
    return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  }

  async deadLetters(group?: string): Promise<DeadLetter[]> {
    const info = await this.jsm.streams.info(this.deadLetterStream);
    const out: DeadLetter[] = [];
    if (info.state.messages === 0) return out;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const stored = await this.jsm.streams.getMessage(this.deadLetterStream, { seq }).catch(() => null);
      if (!stored) continue;
      const letterGroup = stored.header.get('Microshop-Group');
      if (group !== undefined && letterGroup !== group) continue;
      const body = stored.string();
      let eventId: string | undefined;
      try {
        eventId = (JSON.parse(body) as { id?: string }).id;
      } catch {
        eventId = undefined;
      }
      out.push({
        id: String(seq),
        group: letterGroup,
        type: stored.header.get('Microshop-Type'),
        eventId,
        reason: stored.header.get('Microshop-Reason'),
        attempts: Number(stored.header.get('Microshop-Attempts') || 0),
        body,
      });
    }
    return out;
  }

  async replay(id: string): Promise<void> {
    const seq = Number(id);
    const stored = await this.jsm.streams.getMessage(this.deadLetterStream, { seq }).catch(() => null);
    if (!stored) throw new UnknownDeadLetterError(id);
    await this.js.publish(this.#eventSubject(stored.header.get('Microshop-Type')), stored.data, { msgID: `replay:${seq}:${Date.now()}` });
    await this.jsm.streams.deleteMessage(this.deadLetterStream, seq);
  }

  async pending(group: string): Promise<number> {
    let total = 0;
    for await (const consumer of this.jsm.consumers.list(this.eventsStream)) {
      if (consumer.name.startsWith(`${token(group)}__`)) total += consumer.num_pending + consumer.num_ack_pending;
    }
    return total;
  }

  /** The retention limits the server enforces on this namespace's streams. */
  async limits(): Promise<{ eventsMaxAgeMs: number; deadLettersMaxAgeMs: number; deadLettersMax: number }> {
    const [events, dlq] = await Promise.all([this.jsm.streams.info(this.eventsStream), this.jsm.streams.info(this.deadLetterStream)]);
    return { eventsMaxAgeMs: events.config.max_age / 1e6, deadLettersMaxAgeMs: dlq.config.max_age / 1e6, deadLettersMax: dlq.config.max_msgs };
  }

  /** The streams' limits do this on the server: nothing to delete here. */
  async prune(): Promise<{ messages: number; deadLetters: number }> {
    return { messages: 0, deadLetters: 0 };
  }

  async ping(): Promise<void> {
    await this.nc.flush();
  }

  /** Removes this namespace's streams (tests clean up their own namespace with it). */
  async destroy(): Promise<void> {
    await this.jsm.streams.delete(this.eventsStream).catch(() => false);
    await this.jsm.streams.delete(this.deadLetterStream).catch(() => false);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    await this.nc.drain().catch(() => this.nc.close());
  }
}
