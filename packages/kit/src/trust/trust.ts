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

/**
 * What this process can verify, and the credentials it presents. End users are known only by a
 * token identity signed (ES256, checked against the bundle's identity keys, `exp` required);
 * services only by a short-lived token they signed with their own key (EdDSA), addressed to us.
 * Both are cached until they expire: the signature check is most of a request's CPU.
 */
export class Trust {
  readonly self: string;
  readonly #userKeys: ReturnType<typeof createLocalJWKSet>;
  readonly #serviceKeys = new Map<string, Promise<KeyLike>>();
  readonly #bundle: TrustBundle;
  readonly #privateKey: Promise<KeyLike> | undefined;
  readonly #kid: string | undefined;
  readonly #users = new ExpiringCache<VerifiedUser>();
  readonly #services = new ExpiringCache<string>();
  /** Refused tokens, apart for each kind: a token refused as one kind may still be valid as the other. */
  readonly #rejectedUsers = new ExpiringCache<Error>();
  readonly #rejectedServices = new ExpiringCache<Error>();
  readonly #minted = new Map<string, { token: string; renewAt: number }>();

  constructor(options: TrustOptions) {
    this.self = options.self;
    this.#bundle = options.bundle;
    this.#userKeys = createLocalJWKSet({ keys: options.bundle.identity.keys as never });
    if (options.privateKey) {
      this.#kid = String(options.privateKey.kid);
      this.#privateKey = importJWK(options.privateKey as never, SERVICE_ALGORITHM);
    }
  }

  static #refuse(cache: ExpiringCache<Error>, token: string, problem: Error): Error {
    cache.set(token, problem, Date.now() + REJECTED_FOR_MS);
    return problem;
  }

  /** The user an identity token names; a 401 problem when it is not one identity signed and still valid. */
  async verifyUser(token: string): Promise<VerifiedUser> {
    const cached = this.#users.get(token);
    if (cached) return cached;
    const refused = this.#rejectedUsers.get(token);
    if (refused) throw refused;
    const refuse = (problem: Error) => Trust.#refuse(this.#rejectedUsers, token, problem);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#userKeys, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: [USER_ALGORITHM],
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw refuse(unauthorized('The token has expired: sign in again'));
      throw refuse(unauthorized('The token is not valid: sign in again'));
    }
    const role = payload.role;
    if (typeof payload.sub !== 'string' || (role !== 'customer' && role !== 'admin')) throw refuse(unauthorized('The token names no user'));
    const user: VerifiedUser = {
      id: payload.sub,
      role: role as Role,
      email: typeof payload.email === 'string' ? payload.email : '',
      name: typeof payload.name === 'string' ? payload.name : '',
    };
    this.#users.set(token, user, (payload.exp as number) * 1000);
    return user;
  }

  #serviceKey(name: string): Promise<KeyLike> | undefined {
    const jwk = Object.hasOwn(this.#bundle.services, name) ? this.#bundle.services[name] : undefined;
    if (!jwk) return undefined;
    let key = this.#serviceKeys.get(name);
    if (!key) {
      key = importJWK(jwk as never, SERVICE_ALGORITHM);
      this.#serviceKeys.set(name, key);
    }
    return key;
  }

  /** The name of the Microshop service that signed `token` for us; a 401 problem otherwise. */
  async verifyService(token: string): Promise<string> {
    const cached = this.#services.get(token);
    if (cached) return cached;
    const refused = this.#rejectedServices.get(token);
    if (refused) throw refused;
    const invalid = () => Trust.#refuse(this.#rejectedServices, token, commonErrors.UNAUTHORIZED('The service credential is not valid'));
    let payload: JWTPayload;
    try {
      const [header] = token.split('.', 1);
      const { kid } = JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
      const key = typeof kid === 'string' ? this.#serviceKey(kid) : undefined;
      if (!key) throw invalid();
      // The key names the caller: a service can only speak for itself.
      ({ payload } = await jwtVerify(token, await key, {
        issuer: kid as string,
        audience: this.self,
        algorithms: [SERVICE_ALGORITHM],
        requiredClaims: ['exp', 'iat'],
        maxTokenAge: `${SERVICE_TOKEN_TTL_S + 30}s`,
      }));
    } catch {
      throw invalid();
    }
    const caller = payload.iss as string;
    this.#services.set(token, caller, (payload.exp as number) * 1000);
    return caller;
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
