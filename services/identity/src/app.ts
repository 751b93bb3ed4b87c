import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import { Accounts } from './accounts.js';
import type { IdentityConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import type { IdentityDatabase } from './data/schema.js';
import { generatePassword } from './domain/password.js';
import { TokenSigner } from './domain/tokens.js';
import { authRoutes } from './routes/auth.js';

/**
 * Builds identity on its own database; seeds the admin on first start. Tokens are signed with the
 * configured key, whose public half must be in the trust bundle every service verifies with.
 */
export async function buildApp(config: IdentityConfig, options: { announce?: (line: string) => void } = {}): Promise<App> {
  const { app } = await buildService<IdentityDatabase>({
    config,
    migrations,
    title: 'Microshop identity',
    description: 'Accounts, sign-in and the keys that sign tokens.',
    async setup({ app, database, bus }) {
      const signer = new TokenSigner(config.signingKey as never);
      if (!config.trust.identity.keys.some((key) => key.kid === signer.kid)) {
        throw new Error(`the trust bundle does not hold identity's signing key ${signer.kid}: no service could verify its tokens`);
      }
      const accounts = new Accounts(bus, database.db, signer, config);
      const generated = await accounts.ensureAdmin(config.adminEmail, config.adminPassword, generatePassword);
      if (generated) {
        // Printed once, at the first start, for the person who ran it; never logged again.
        (options.announce ?? ((line) => process.stdout.write(`${line}\n`)))(
          `Admin account created: ${config.adminEmail} / ${generated} (set MICROSHOP_ADMIN_PASSWORD to choose it)`,
        );
      }
      authRoutes(app, accounts, config.trust.identity.keys);
    },
  });
  return app;
}
