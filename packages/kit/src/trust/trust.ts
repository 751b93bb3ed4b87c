import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@microshop/contracts';
import { createLocalJWKSet, errors, importJWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Role, VerifiedUser } from '../identity.js';
import { commonErrors } from '../problem.js';
import type { Jwk, TrustBundle } from './bundle.js';
import { ExpiringCache } from './expiring-cache.js';

/** How long a service credential is valid, and when a caller mints the next one. */
export const SERVICE_TOKEN_TTL_S = 120;
const RENEW_BEFORE_MS = 60_000;
/** Refused tokens are remembered this long: repeating one costs no signature check. */
const REJECTED_FOR_MS = 60_000;

export const SERVICE_ALGORITHM = 'EdDSA';
export const USER_ALGORITHM = 'ES256';

export interface TrustOptions {
  /** Who this process is: the audience of the service credentials it accepts, the issuer of those it makes. */
  self: string;
  bundle: TrustBundle;
  /** This process's private key; without it, it can verify but not call other services. */
  privateKey?: Jwk | undefined;
}

type KeyLike = Awaited<ReturnType<typeof importJWK>>;

function unauthorized(detail: string) {
  return commonErrors.UNAUTHORIZED(detail, { headers: { 'www-authenticate': 'Bearer' } });
}

/** Tokens of one kind already judged: accepted ones until they expire, refused ones for a minute. */
class Verdicts<V> {
  readonly #accepted = new ExpiringCache<V>();
  readonly #refused = new ExpiringCache<Error>();

  async judge(token: string, verify: () => Promise<{ value: V; expiresAt: number }>): Promise<V> {
    const accepted = this.#accepted.get(token);
    if (accepted !== undefined) return accepted;
    const refused = this.#refused.get(token);
    if (refused) throw refused;
    try {
      const { value, expiresAt } = await verify();
      this.#accepted.set(token, value, expiresAt);
      return value;
    } catch (error) {
      this.#refused.set(token, error as Error, Date.now() + REJECTED_FOR_MS);
      throw error;
    }
  }
}

/**
 * What this process can verify, and the credentials it presents. End users are known only by a
 * token identity signed (ES256, checked against the bundle's identity keys, `exp` required);
 * services only by a short-lived token they signed with their own key (EdDSA), addressed to us.
 * Both are cached until they expire: the signature check is most of a request's CPU.
 */
export class Trust {
  readonly self: string;
  readonly #userKeys: ReturnType<typeof createLocalJWKSet>;
  /** Each service's key under its name: the name in the bundle, not whatever kid the JWK carries. */
  readonly #serviceKeys: ReturnType<typeof createLocalJWKSet>;
  readonly #privateKey: Promise<KeyLike> | undefined;
  readonly #kid: string | undefined;
  /** Apart for each kind: a token refused as one kind may still be valid as the other. */
  readonly #users = new Verdicts<VerifiedUser>();
  readonly #services = new Verdicts<string>();
  readonly #minted = new Map<string, { token: string; renewAt: number }>();

  constructor(options: TrustOptions) {
    this.self = options.self;
    this.#userKeys = createLocalJWKSet({ keys: options.bundle.identity.keys as never });
    this.#serviceKeys = createLocalJWKSet({ keys: Object.entries(options.bundle.services).map(([name, jwk]) => ({ ...jwk, kid: name })) as never });
    if (options.privateKey) {
      this.#kid = String(options.privateKey.kid);
      this.#privateKey = importJWK(options.privateKey as never, SERVICE_ALGORITHM);
    }
  }

  /** The user an identity token names; a 401 problem when it is not one identity signed and still valid. */
  verifyUser(token: string): Promise<VerifiedUser> {
    return this.#users.judge(token, async () => {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, this.#userKeys, {
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          algorithms: [USER_ALGORITHM],
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        throw unauthorized(error instanceof errors.JWTExpired ? 'The token has expired: sign in again' : 'The token is not valid: sign in again');
      }
      const { sub, role, email, name } = payload;
      if (typeof sub !== 'string' || (role !== 'customer' && role !== 'admin')) throw unauthorized('The token names no user');
      const user: VerifiedUser = { id: sub, role: role as Role, email: typeof email === 'string' ? email : '', name: typeof name === 'string' ? name : '' };
      return { value: user, expiresAt: (payload.exp as number) * 1000 };
    });
  }

  /** The name of the Microshop service that signed `token` for us; a 401 problem otherwise. */
  verifyService(token: string): Promise<string> {
    return this.#services.judge(token, async () => {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, this.#serviceKeys, {
          audience: this.self,
          algorithms: [SERVICE_ALGORITHM],
          requiredClaims: ['exp', 'iat', 'iss'],
          maxTokenAge: `${SERVICE_TOKEN_TTL_S + 30}s`,
        });
        // The key names the caller: a service can only speak for itself.
        if (payload.iss !== protectedHeader.kid) throw new Error('the issuer is not the key\'s service');
        return { value: payload.iss as string, expiresAt: (payload.exp as number) * 1000 };
      } catch {
        throw commonErrors.UNAUTHORIZED('The service credential is not valid');
      }
    });
  }

  /** A credential proving to `audience` that this process is `self`, reused until it nears expiry. */
  async serviceToken(audience: string): Promise<string> {
    const minted = this.#minted.get(audience);
    if (minted && minted.renewAt > Date.now()) return minted.token;
    if (!this.#privateKey || !this.#kid) throw new Error(`${this.self} has no private key: it cannot call other services`);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: SERVICE_ALGORITHM, kid: this.#kid, typ: 'JWT' })
      .setIssuer(this.#kid)
      .setSubject(this.#kid)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${SERVICE_TOKEN_TTL_S}s`)
      .sign(await this.#privateKey);
    this.#minted.set(audience, { token, renewAt: Date.now() + SERVICE_TOKEN_TTL_S * 1000 - RENEW_BEFORE_MS });
    return token;
  }
}

/** The token of an `Authorization: Bearer …` header, undefined when there is none; a 401 when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_.-]+)\s*$/i.exec(header);
  if (!match) throw unauthorized('Send the token as Authorization: Bearer <token>');
  return match[1];
}
