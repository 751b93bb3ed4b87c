import { custom, type Env, identitySigningKey, int, loadConfig, serviceConfigSpec, str } from '@microshop/kit';

export const SERVICE = 'identity';

/** The only place identity reads the environment. */
export function loadIdentityConfig(env: Env = process.env) {
  return loadConfig(
    {
      ...serviceConfigSpec(SERVICE),
      adminEmail: str('MICROSHOP_ADMIN_EMAIL', { default: 'admin@microshop.local', pattern: /^[^\s@]+@[^\s@]+$/ }),
      adminPassword: custom('MICROSHOP_ADMIN_PASSWORD', (text) => {
        if (text !== undefined && text.length < 8) throw new Error('must be at least 8 characters');
        return text;
      }),
      /** The private key end-user tokens are signed with (IDENTITY_SIGNING_KEY or IDENTITY_SIGNING_KEY_FILE). */
      signingKey: identitySigningKey(),
      tokenTtlSeconds: int('IDENTITY_TOKEN_TTL_SECONDS', { default: 7_200, min: 60, max: 30 * 24 * 3600 }),
      // scrypt's CPU/memory cost; tests lower it, production keeps the default.
      scryptCost: int('IDENTITY_SCRYPT_COST', { default: 16_384, min: 1_024, max: 1_048_576 }),
    },
    env,
  );
}

export type IdentityConfig = ReturnType<typeof loadIdentityConfig>;
