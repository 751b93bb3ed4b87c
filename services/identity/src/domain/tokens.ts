import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@microshop/contracts';
import { importJWK, type JWK, SignJWT } from 'jose';

export const ALGORITHM = 'ES256';

export interface TokenSubject {
  id: string;
  email: string;
  name: string;
  role: string;
}

type PrivateKey = Awaited<ReturnType<typeof importJWK>>;

/** Signs ES256 JWTs naming the user and role, with the key id so keys can rotate. */
export class TokenSigner {
  readonly kid: string;
  readonly #key: Promise<PrivateKey>;

  constructor(privateJwk: JWK & { kid?: string }) {
    if (typeof privateJwk.kid !== 'string') throw new Error('the signing key needs a kid');
    this.kid = privateJwk.kid;
    this.#key = importJWK(privateJwk, ALGORITHM);
  }

  async sign(user: TokenSubject, ttlSeconds: number): Promise<string> {
    return new SignJWT({ role: user.role, email: user.email, name: user.name })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.kid, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(await this.#key);
  }
}
