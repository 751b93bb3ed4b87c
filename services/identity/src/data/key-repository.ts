import { randomUUID } from 'node:crypto';
import type { Kysely } from '@microshop/data';
import { newSigningKey, type SigningKey } from '../domain/tokens.js';
import type { IdentityDatabase } from './schema.js';

/** Signing keys live in identity's own database so every instance signs and publishes the same set. */
export class KeyRepository {
  constructor(private readonly db: Kysely<IdentityDatabase>) {}

  async all(): Promise<SigningKey[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({ kid: r.kid, privateJwk: JSON.parse(r.private_jwk), publicJwk: JSON.parse(r.public_jwk) }));
  }

  /** The newest key, made on first start. Two instances racing may each add one: both are published. */
  async current(): Promise<SigningKey> {
    const [newest] = await this.all();
    if (newest) return newest;
    const key = await newSigningKey(randomUUID());
    await this.db
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        private_jwk: JSON.stringify(key.privateJwk),
        public_jwk: JSON.stringify(key.publicJwk),
        created_at: new Date().toISOString(),
      })
      .execute();
    return key;
  }
}
