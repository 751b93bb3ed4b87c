import { type Database, type Migration, openDatabase } from '@microshop/data';
import { type App, createApp, type ServiceConfig, Trust } from '@microshop/kit';
import { createTransport, EventBus, type MessagingTables, type RetainedTable, type Transport } from '@microshop/messaging';
import { busMetrics } from './bus-metrics.js';
import { busRoutes } from './bus-routes.js';

export interface ServiceParts<DB extends MessagingTables> {
  app: App;
  /** What the service verifies callers with, and the credential it calls other services with. */
  trust: Trust;
  database: Database<DB>;
  transport: Transport;
  bus: EventBus<DB>;
}

export interface BuildServiceOptions<DB extends MessagingTables> {
  config: ServiceConfig;
  migrations: Record<string, Migration>;
  title: string;
  description: string;
  /** Registers routes and event handlers; runs before the bus starts consuming. */
  setup(parts: ServiceParts<DB>): Promise<void> | void;
  maxAttempts?: number;
  /** The service's own tables retention prunes by age (e.g. tombstones), besides inbox and outbox. */
  retainedTables?: readonly RetainedTable[];
}

/**
 * A service's own database (migrated), its transport and event bus, and the kit's Fastify app
 * with readiness for both, and its consumer group's state under /internal for the operations
 * dashboard; closing the app stops consuming, then closes the bus and the database.
 */
export async function buildService<DB extends MessagingTables>(options: BuildServiceOptions<DB>): Promise<ServiceParts<DB>> {
  const { config } = options;
  const database = await openDatabase<DB>({
    service: config.service,
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    migrations: options.migrations,
  });
  let transport: Transport;
  try {
    transport = await createTransport({
      bus: config.bus,
      dataDir: config.dataDir,
      name: config.instanceId,
      namespace: config.busNamespace,
      replicas: config.busReplicas,
      retentionMs: config.retentionHours * 3_600_000,
      deadLetterMax: config.deadLetterMax,
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  const trust = new Trust({ self: config.service, bundle: config.trust, privateKey: config.serviceKey });
  const app = await createApp({
    trust,
    service: config.service,
    instanceId: config.instanceId,
    logLevel: config.logLevel,
    title: options.title,
    description: options.description,
    readiness: { database: () => database.ping(), bus: () => transport.ping() },
  });
  app.log.info({ engine: database.engine, location: database.location, applied: database.applied, transport: transport.kind }, 'storage ready');
  const observer = busMetrics({
    registry: app.metricsRegistry,
    db: database.db,
    transport,
    group: config.service,
    types: (): string[] => bus.types,
    log: app.log,
  });
  const bus = new EventBus<DB>(database.db, {
    service: config.service,
    transport,
    log: app.log,
    maxAttempts: options.maxAttempts,
    observer,
    retention: { maxAgeMs: config.retentionHours * 3_600_000, deadLetterMax: config.deadLetterMax, tables: options.retainedTables },
  });
  app.addHook('onClose', async () => {
    await bus.stop();
    await transport.close();
    await database.close();
  });
  busRoutes(app, bus);
  const parts = { app, trust, database, transport, bus };
  await options.setup(parts);
  await bus.start();
  return parts;
}
