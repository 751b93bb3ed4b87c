import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@microshop/contracts';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

export const ALGORITHM = 'ES256';

export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM };
  return { kid, privateJwk, publicJwk };
}

export interface TokenSubject {
  id: string;
  email: string;
  name: string;
  role: string;
}

/** An ES256 JWT naming the user and role, with the key id so keys can rotate. */
export async function signToken(key: SigningKey, user: TokenSubject, ttlSeconds: number): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, ALGORITHM);
  return new SignJWT({ role: user.role, email: user.email, name: user.name })
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(privateKey);
}
