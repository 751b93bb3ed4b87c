import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@microshop/contracts';
import { commonErrors, type Role, type VerifiedUser } from '@microshop/kit';
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify } from 'jose';

export type FetchJwks = () => Promise<JSONWebKeySet>;

const CACHE_SIZE = 10_000;
const REJECTED_FOR_MS = 60_000;

/** Adds to a bounded cache: when full, the oldest entry goes (a Map keeps insertion order). */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

function unauthorized(detail: string) {
  return commonErrors.UNAUTHORIZED(detail, { headers: { 'www-authenticate': 'Bearer' } });
}

/**
 * Verifies identity's ES256 tokens against its JWKS. The key set is fetched once and again only
 * when a token names a key id it does not hold (a rotation), at most every `minRefreshMs`.
 */
export class TokenVerifier {
  #keys: ReturnType<typeof createLocalJWKSet> | undefined;
  /** Tokens already verified, until they expire: the signature check is most of a request's CPU. */
  readonly #verified = new Map<string, { user: VerifiedUser; expiresAt: number }>();
  /** Tokens found forged, malformed or expired, for a minute: repeating one costs no signature check. */
  readonly #rejected = new Map<string, { problem: Error; until: number }>();
  #fetchedAt = 0;
  #fetching: Promise<void> | undefined;

  /** `minRefreshMs`: tokens naming unknown keys cannot make the gateway hammer identity. */
  constructor(
    private readonly fetchJwks: FetchJwks,
    private readonly minRefreshMs = 5_000,
  ) {}

  async #refresh(force: boolean): Promise<void> {
    if (this.#keys && !force) return;
    if (this.#keys && Date.now() - this.#fetchedAt < this.minRefreshMs) return;
    this.#fetching ??= this.fetchJwks()
      .then((jwks) => {
        this.#keys = createLocalJWKSet(jwks);
        this.#fetchedAt = Date.now();
      })
      .finally(() => {
        this.#fetching = undefined;
      });
    await this.#fetching;
  }

  async #verify(token: string) {
    if (!this.#keys) throw new errors.JWKSNoMatchingKey();
    return jwtVerify(token, this.#keys, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['ES256'] });
  }

  /** The user a bearer token names; a 401 problem when it is not one identity signed and still valid. */
  async verify(token: string): Promise<VerifiedUser> {
    const cached = this.#verified.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.user;
    if (cached) this.#verified.delete(token);
    const rejected = this.#rejected.get(token);
    if (rejected && rejected.until > Date.now()) throw rejected.problem;
    if (rejected) this.#rejected.delete(token);
    return this.#verifyNow(token);
  }

  #reject(token: string, problem: Error): Error {
    remember(this.#rejected, token, { problem, until: Date.now() + REJECTED_FOR_MS });
    return problem;
  }

  async #verifyNow(token: string): Promise<VerifiedUser> {
    let result;
    try {
      await this.#refresh(false);
      try {
        result = await this.#verify(token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        await this.#refresh(true);
        result = await this.#verify(token);
      }
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw this.#reject(token, unauthorized('The token has expired: sign in again'));
      if (error instanceof errors.JOSEError) throw this.#reject(token, unauthorized('The token is not valid: sign in again'));
      throw commonErrors.SERVICE_UNAVAILABLE('Tokens cannot be checked right now: the identity service is unreachable', {
        extensions: { service: 'identity' },
        headers: { 'retry-after': '1' },
      });
    }
    const { payload } = result;
    const role = payload.role;
    if (typeof payload.sub !== 'string' || (role !== 'customer' && role !== 'admin')) throw this.#reject(token, unauthorized('The token names no user'));
    const user = {
      id: payload.sub,
      role: role as Role,
      email: typeof payload.email === 'string' ? payload.email : '',
      name: typeof payload.name === 'string' ? payload.name : '',
    };
    remember(this.#verified, token, { user, expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + 60_000 });
    return user;
  }
}

/** The token of an `Authorization: Bearer …` header, undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_.-]+)\s*$/i.exec(header);
  if (!match) throw unauthorized('Send the token as Authorization: Bearer <token>');
  return match[1];
}
