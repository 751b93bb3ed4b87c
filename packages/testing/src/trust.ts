import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@microshop/contracts';
import { type Jwk, newServiceKey, newUserTokenKey, SERVICE_TOKEN_HEADER, Trust, trustBundleOf, type TrustBundle } from '@microshop/kit';
import { importJWK, SignJWT } from 'jose';

/** Every process of the system, as the trust bundle names them. */
export const PROCESSES = ['gateway', 'identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'] as const;

export interface TestUser {
  id: string;
  role: string;
  email?: string;
  name?: string;
}

export interface TokenOptions {
  /** e.g. '1h' (the default), or a past time such as '-1s' for an expired token. */
  expiresIn?: string;
  /** Leave `exp` out altogether. */
  noExpiry?: boolean;
  /** Sign with a key the bundle does not hold (a forgery). */
  foreign?: boolean;
}

/**
 * Key material for tests, made once per test process: a trust bundle, each process's private
 * key, identity's token key, and helpers that make the credentials callers would present.
 */
export interface TestTrust {
  bundle: TrustBundle;
  /** The variables that give `process` its keys (inline, as a Kubernetes Secret would). */
  env(process: string): Record<string, string>;
  userToken(user: TestUser, options?: TokenOptions): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for `user`. */
  asUser(user: TestUser, options?: TokenOptions): Promise<Record<string, string>>;
  /** The credential `from` presents to `to`. */
  asService(from: string, to: string): Promise<Record<string, string>>;
}

let made: Promise<TestTrust> | undefined;

async function make(): Promise<TestTrust> {
  const serviceKeys: Record<string, Jwk> = {};
  // Beside the real processes, the stand-ins tests build (a stand-in publisher, a toy service).
  for (const name of [...PROCESSES, 'stand-in', 'shelf']) serviceKeys[name] = await newServiceKey(name);
  const identityKey = await newUserTokenKey();
  const foreignKey = { ...(await newUserTokenKey()), kid: identityKey.kid };
  const bundle = trustBundleOf([identityKey], serviceKeys);
  const bundleText = JSON.stringify(bundle);
  const callers = new Map<string, Trust>();
  const userToken = async (user: TestUser, options: TokenOptions = {}) => {
    const key = options.foreign ? foreignKey : identityKey;
    const jwt = new SignJWT({ role: user.role, email: user.email ?? `${user.id}@example.com`, name: user.name ?? 'Test User' })
      .setProtectedHeader({ alg: 'ES256', kid: String(key.kid), typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt();
    if (!options.noExpiry) jwt.setExpirationTime(options.expiresIn ?? '1h');
    return jwt.sign(await importJWK(key as never, 'ES256'));
  };
  return {
    bundle,
    env(process) {
      const key = serviceKeys[process];
      if (!key) throw new Error(`no test key for ${process}`);
      return {
        MICROSHOP_TRUST: bundleText,
        MICROSHOP_SERVICE_KEY: JSON.stringify(key),
        ...(process === 'identity' ? { IDENTITY_SIGNING_KEY: JSON.stringify(identityKey) } : {}),
      };
    },
    userToken,
    asUser: async (user, options) => ({ authorization: `Bearer ${await userToken(user, options)}` }),
    async asService(from, to) {
      let caller = callers.get(from);
      if (!caller) {
        caller = new Trust({ self: from, bundle, privateKey: serviceKeys[from] });
        callers.set(from, caller);
      }
      return { [SERVICE_TOKEN_HEADER]: await caller.serviceToken(to) };
    },
  };
}

/** The test process's key material (the same for every caller in one process). */
export function testTrust(): Promise<TestTrust> {
  made ??= make();
  return made;
}
