/** One message handed to a consumer by a transport; exactly one of ack/retry/deadLetter ends it. */
export interface IncomingMessage {
  body: string;
  /** 1 on first delivery. */
  attempt: number;
  ack(): Promise<void>;
  retry(delayMs: number): Promise<void>;
  deadLetter(reason: string): Promise<void>;
}

export interface ConsumeOptions {
  /** The durable consumer group: instances of one service share its work; each group gets every event. */
  group: string;
  types: readonly string[];
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface DeadLetter {
  /** Transport-specific id to pass to replay(). */
  id: string;
  group: string;
  type: string;
  eventId: string | undefined;
  reason: string;
  attempts: number;
  body: string;
}

/**
 * What the embedded bus and NATS JetStream both provide. `consume` may call `onMessage` for
 * several messages before earlier ones finish (in stream order, at most MAX_IN_FLIGHT at once);
 * the bus keeps one subject's events in order.
 */
export interface Transport {
  readonly kind: 'embedded' | 'nats';
  /** Resolves once every event is durably stored, in order. Duplicate ids are stored once. */
  publish(events: ReadonlyArray<{ id: string; type: string; body: string }>): Promise<void>;
  consume(options: ConsumeOptions, onMessage: (message: IncomingMessage) => Promise<void>): Promise<Subscription>;
  deadLetters(group?: string): Promise<DeadLetter[]>;
  /** How many dead letters `group` has, without reading them (what a metrics scrape asks). */
  deadLetterCount(group: string): Promise<number>;
  /**
   * Puts a dead letter back in front of its group (NATS: of every group of its type; inboxes skip repeats).
   * Throws UnknownDeadLetterError when there is no dead letter `id` (never was, or already replayed).
   */
  replay(id: string): Promise<void>;
  /** Messages of `group` not yet acknowledged (the backlog). */
  pending(group: string): Promise<number>;
  /**
   * Deletes messages published before `maxAgeMs` ago (with any delivery of them still pending), dead
   * letters older than that, and the oldest dead letters past `deadLetterMax`; returns how many
   * went. NATS's streams enforce the same limits themselves (set when it connects), so it deletes nothing here.
   */
  prune(limits: { maxAgeMs: number; deadLetterMax: number }, now?: number): Promise<{ messages: number; deadLetters: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How many messages a consumer has in hand at once. */
export const MAX_IN_FLIGHT = 64;

/** A publish that stored the first `published` events and failed on the next one. */
export class PartialPublishError extends Error {
  constructor(
    readonly published: number,
    cause: unknown,
  ) {
    super(`published ${published} event(s), then failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'PartialPublishError';
  }
}

/** replay() of an id that names no dead letter: a caller's mistake, not a broken bus. */
export class UnknownDeadLetterError extends Error {
  constructor(readonly id: string) {
    super(`no dead letter ${id}`);
    this.name = 'UnknownDeadLetterError';
  }
}
