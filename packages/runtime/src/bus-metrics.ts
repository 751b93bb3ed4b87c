import type { Kysely } from '@microshop/data';
import { Counter, Gauge, Histogram, type Registry, within } from '@microshop/kit';
import { type BusObserver, type MessagingTables, outboxBacklog, type Transport } from '@microshop/messaging';

export interface BusMetricsSources<DB extends MessagingTables> {
  registry: Registry;
  db: Kysely<DB>;
  transport: Transport;
  /** The consumer group (the service's name). */
  group: string;
  /** The event types it consumes (known once its handlers are registered). */
  types: () => readonly string[];
  /** Where a failed reading is mentioned (it keeps the last value rather than fail the scrape). */
  log: { debug(fields: object, message: string): void };
}

/** A scrape waits at most this long for the database or the broker; a slow one keeps the last value. */
const READ_TIMEOUT_MS = 2_000;

/**
 * The service's messaging in its registry: outbox backlog and age, consumer backlog and dead
 * letters (read from the database and the transport when Prometheus scrapes), and what this
 * instance's handlers did (duration, retries, dead-lettering). Returns the bus's observer.
 */
export function busMetrics<DB extends MessagingTables>(sources: BusMetricsSources<DB>): BusObserver {
  const { registry, db, transport, group, types, log } = sources;
  const consuming = () => types().length > 0;
  // Counters start at 0 for every consumed type, so increase() sees the first retry or dead letter too.
  const zeroForEachType = (counter: Counter<'type'>) => {
    for (const type of types()) counter.inc({ type }, 0);
  };
  const read = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await within(fn(), READ_TIMEOUT_MS);
    } catch (error) {
      log.debug({ err: error, metric: what }, 'could not read a metric; keeping its last value');
      return undefined;
    }
  };

  // Both outbox gauges come from one query per scrape.
  let backlog: Promise<Awaited<ReturnType<typeof outboxBacklog>> | undefined> | undefined;
  const readBacklog = () => {
    backlog ??= read('outbox', () => outboxBacklog(db)).finally(() => setImmediate(() => (backlog = undefined)));
    return backlog;
  };
  new Gauge({
    name: 'microshop_outbox_unpublished',
    help: 'Events committed to the service outbox and not yet published (shared by the service instances)',
    registers: [registry],
    async collect() {
      const value = await readBacklog();
      if (value) this.set(value.unpublished);
    },
  });
  new Gauge({
    name: 'microshop_outbox_oldest_unpublished_age_seconds',
    help: 'Age of the oldest unpublished outbox event in seconds; 0 when the outbox is empty',
    registers: [registry],
    async collect() {
      const value = await readBacklog();
      if (value) this.set(value.oldestSeconds);
    },
  });
  new Gauge({
    name: 'microshop_bus_consumer_pending',
    help: 'Events delivered to the service consumer group and not yet acknowledged (its backlog)',
    registers: [registry],
    async collect() {
      if (!consuming()) return;
      const value = await read('pending', () => transport.pending(group));
      if (value !== undefined) this.set(value);
    },
  });
  new Gauge({
    name: 'microshop_bus_dead_letters',
    help: 'Dead letters of the service consumer group waiting for a replay',
    registers: [registry],
    async collect() {
      if (!consuming()) return;
      const value = await read('dead letters', () => transport.deadLetterCount(group));
      if (value !== undefined) this.set(value);
    },
  });

  const duration = new Histogram({
    name: 'microshop_bus_handler_duration_seconds',
    help: 'Time to handle one consumed event (its inbox row and handler) by event type and outcome',
    labelNames: ['type', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'microshop_bus_retries_total',
    help: 'Consumed events handed back for another delivery, by event type',
    labelNames: ['type'] as const,
    registers: [registry],
    collect() {
      zeroForEachType(this);
    },
  });
  const deadLettered = new Counter({
    name: 'microshop_bus_dead_lettered_total',
    help: 'Consumed events this instance moved to the dead letters, by event type',
    labelNames: ['type'] as const,
    registers: [registry],
    collect() {
      zeroForEachType(this);
    },
  });

  return {
    handled: (type, seconds, failed) => duration.observe({ type, outcome: failed ? 'error' : 'ok' }, seconds),
    retried: (type) => retries.inc({ type }),
    deadLettered: (type) => deadLettered.inc({ type }),
  };
}
