import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import { Accounts } from './accounts.js';
import type { IdentityConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import type { IdentityDatabase } from './data/schema.js';
import { generatePassword } from './domain/password.js';
import { authRoutes } from './routes/auth.js';

/** Builds identity on its own database; seeds the admin and a signing key on first start. */
export async function buildApp(config: IdentityConfig, options: { announce?: (line: string) => void } = {}): Promise<App> {
  const { app } = await buildService<IdentityDatabase>({
    config,
    migrations,
    title: 'Microshop identity',
    description: 'Accounts, sign-in and the keys that sign tokens.',
    async setup({ app, database, bus }) {
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
    },
  });
  return app;
}
