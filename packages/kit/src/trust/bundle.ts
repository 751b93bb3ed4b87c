import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigValueError, type Env, type VarReader } from '../config.js';

/** A JSON Web Key as stored in the key files (public or private). */
export type Jwk = Record<string, unknown> & { kty: string; kid?: string };

/**
 * What every process believes: the public keys that sign end-user tokens (identity's) and the
 * public key of each Microshop service. Public material only; each private key is its owner's alone.
 */
export interface TrustBundle {
  identity: { keys: Jwk[] };
  services: Record<string, Jwk>;
}

/** The key files a local start generates under `<data dir>/keys` (and where a process looks by default). */
export const KEYS_DIR = 'keys';
export const TRUST_FILE = 'trust.json';
export const IDENTITY_SIGNING_FILE = 'identity-signing.key.json';
export const serviceKeyFile = (service: string) => `${service}.key.json`;

/** The header that carries a calling service's credential (a JWT it signed for the callee). */
export const SERVICE_TOKEN_HEADER = 'x-microshop-service';

function isJwk(value: unknown): value is Jwk {
  return typeof value === 'object' && value !== null && typeof (value as { kty?: unknown }).kty === 'string';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('is not valid JSON');
  }
}

export function parseTrustBundle(text: string): TrustBundle {
  const { identity, services } = (parseJson(text) ?? {}) as { identity?: { keys?: unknown }; services?: unknown };
  const keys = identity?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => isJwk(k) && typeof k.kid === 'string')) {
    throw new Error('needs identity.keys: a non-empty list of public JWKs, each with a kid');
  }
  if (typeof services !== 'object' || services === null || !Object.values(services).every(isJwk)) {
    throw new Error('needs services: an object of public JWKs by service name');
  }
  for (const key of [...keys, ...Object.values(services)] as Jwk[]) {
    if ('d' in key) throw new Error(`holds a private key (${String(key.kid)}): the bundle must carry public keys only`);
  }
  return { identity: { keys: keys as Jwk[] }, services: services as Record<string, Jwk> };
}

export function parsePrivateJwk(text: string): Jwk {
  const parsed = parseJson(text);
  if (!isJwk(parsed) || typeof parsed.d !== 'string' || typeof parsed.kid !== 'string') throw new Error('must be a private JWK with a kid');
  return parsed;
}

/** Reads a secret file, refusing one other users may read (as ssh refuses a readable key). */
function readSecretFile(path: string, secret: boolean): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new Error(`names ${path}, which does not exist`);
  }
  if (secret && (mode & 0o007) !== 0) throw new Error(`names ${path}, which other users can read (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  return readFileSync(path, 'utf8');
}

/**
 * Key material from `<NAME>` (the JSON itself, as a Kubernetes Secret gives it in the environment),
 * else `<NAME>_FILE` (a mounted file), else the file a local start generated in the data directory.
 */
function material<T>(name: string, fallback: (env: Env) => string, parse: (text: string) => T, secret: boolean): VarReader<T> {
  return {
    variable: name,
    read(env) {
      const inline = env[name]?.trim();
      const file = env[`${name}_FILE`]?.trim();
      const attempt = (where: string, run: () => T): T => {
        try {
          return run();
        } catch (error) {
          throw new ConfigValueError(`${where} ${(error as Error).message}`);
        }
      };
      if (inline) return attempt('(inline)', () => parse(inline));
      if (file) return attempt(`(${name}_FILE)`, () => parse(readSecretFile(file, secret)));
      const path = fallback(env);
      return attempt(`(and ${name}_FILE) not set:`, () => {
        try {
          statSync(path);
        } catch {
          throw new Error(`${path} does not exist either: run \`npm start\` once to generate local keys, or see the README (trust boundary)`);
        }
        return parse(readSecretFile(path, secret));
      });
    },
  };
}

const dataDir = (env: Env) => env.MICROSHOP_DATA_DIR?.trim() || './data';

/** The trust bundle every process reads. */
export const trustBundle = () => material('MICROSHOP_TRUST', (env) => join(dataDir(env), KEYS_DIR, TRUST_FILE), parseTrustBundle, false);

/** This process's own private key, which signs its calls to other services. */
export const serviceKey = (service: string) =>
  material('MICROSHOP_SERVICE_KEY', (env) => join(dataDir(env), KEYS_DIR, serviceKeyFile(service)), parsePrivateJwk, true);

/** identity's private key for end-user tokens. */
export const identitySigningKey = () =>
  material('IDENTITY_SIGNING_KEY', (env) => join(dataDir(env), KEYS_DIR, IDENTITY_SIGNING_FILE), parsePrivateJwk, true);
