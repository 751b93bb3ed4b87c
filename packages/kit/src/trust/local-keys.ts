import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { IDENTITY_SIGNING_FILE, type Jwk, KEYS_DIR, parsePrivateJwk, serviceKeyFile, TRUST_FILE, type TrustBundle } from './bundle.js';

/**
 * A directory only its owner may enter: created so, or tightened if it exists (but never a shared
 * sticky directory such as /tmp, whose other users' files are not ours to lock away).
 */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const { mode } = statSync(path);
  if ((mode & 0o1000) === 0 && (mode & 0o077) !== 0) chmodSync(path, 0o700);
}

/** The public half of a private JWK. */
export function publicJwk(jwk: Jwk): Jwk {
  const { d: _d, ...rest } = jwk as Jwk & { d?: unknown };
  return rest as Jwk;
}

export async function newServiceKey(service: string): Promise<Jwk> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid: service, alg: 'EdDSA', use: 'sig' } as Jwk;
}

export async function newUserTokenKey(): Promise<Jwk> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' } as Jwk;
}

export function trustBundleOf(identityKeys: readonly Jwk[], serviceKeys: Readonly<Record<string, Jwk>>): TrustBundle {
  return {
    identity: { keys: identityKeys.map(publicJwk) },
    services: Object.fromEntries(Object.entries(serviceKeys).map(([name, key]) => [name, publicJwk(key)])),
  };
}

export interface LocalKeys {
  dir: string;
  trustFile: string;
  identitySigningFile: string;
  serviceKeyFile(service: string): string;
}

function writeSecret(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * The key material of a local start, under `<dataDir>/keys`: a private key per process (made
 * once, kept across starts), identity's token key, and the trust bundle of their public halves.
 * The data directory and everything in it is private to its owner.
 */
export async function ensureLocalKeys(dataDir: string, processes: readonly string[]): Promise<LocalKeys> {
  privateDir(dataDir);
  const dir = join(dataDir, KEYS_DIR);
  privateDir(dir);
  const load = async (file: string, make: () => Promise<Jwk>): Promise<Jwk> => {
    const path = join(dir, file);
    if (existsSync(path)) {
      chmodSync(path, 0o600);
      return parsePrivateJwk(readFileSync(path, 'utf8'));
    }
    const key = await make();
    writeSecret(path, key);
    return key;
  };
  const serviceKeys: Record<string, Jwk> = {};
  for (const name of processes) serviceKeys[name] = await load(serviceKeyFile(name), () => newServiceKey(name));
  const identityKey = await load(IDENTITY_SIGNING_FILE, newUserTokenKey);
  const trustFile = join(dir, TRUST_FILE);
  writeSecret(trustFile, trustBundleOf([identityKey], serviceKeys));
  return {
    dir,
    trustFile,
    identitySigningFile: join(dir, IDENTITY_SIGNING_FILE),
    serviceKeyFile: (service) => join(dir, serviceKeyFile(service)),
  };
}
