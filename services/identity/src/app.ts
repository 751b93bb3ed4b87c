import { openDatabase } from '@microshop/data';
import { type App, createApp } from '@microshop/kit';
import { createTransport, EventBus } from '@microshop/messaging';
import { Accounts } from './accounts.js';
import type { IdentityConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import type { IdentityDatabase } from './data/schema.js';
import { generatePassword } from './domain/password.js';
import { authRoutes } from './routes/auth.js';

/** Builds identity on its own database; seeds the admin and a signing key on first start. */
export async function buildApp(config: IdentityConfig, options: { announce?: (line: string) => void } = {}): Promise<App> {
  const database = await openDatabase<IdentityDatabase>({
    service: config.service,
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    migrations,
  });
  const transport = await createTransport({ bus: config.bus, dataDir: config.dataDir, name: config.instanceId, namespace: config.busNamespace });
  const app = await createApp({
    service: config.service,
    instanceId: config.instanceId,
    logLevel: config.logLevel,
    title: 'Microshop identity',
    description: 'Accounts, sign-in and the keys that sign tokens.',
    readiness: { database: () => database.ping(), bus: () => transport.ping() },
  });
  const bus = new EventBus<IdentityDatabase>(database.db, { service: config.service, transport, log: app.log });
  await bus.start();
  app.addHook('onClose', async () => {
    await bus.stop();
    await transport.close();
    await database.close();
  });

  const accounts = new Accounts(bus, database.db, config);
  await accounts.keys.current();
  const generated = await accounts.ensureAdmin(config.adminEmail, config.adminPassword, generatePassword);
  if (generated) {
    // Printed once, at the first start, for the person who ran it; never logged again.
    (options.announce ?? ((line) => process.stdout.write(`${line}\n`)))(
      `Admin account created: ${config.adminEmail} / ${generated} (set MICROSHOP_ADMIN_PASSWORD to choose it)`,
    );
  }
  authRoutes(app, accounts);
  return app;
}
