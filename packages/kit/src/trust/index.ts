export {
  identitySigningKey,
  type Jwk,
  parsePrivateJwk,
  parseTrustBundle,
  SERVICE_TOKEN_HEADER,
  serviceKey,
  trustBundle,
  type TrustBundle,
} from './bundle.js';
export { type Access, installGuard } from './guard.js';
export { ensureLocalKeys, type LocalKeys, newServiceKey, newUserTokenKey, privateDir, publicJwk, trustBundleOf } from './local-keys.js';
export { bearerToken, SERVICE_TOKEN_TTL_S, Trust, type TrustOptions, USER_ALGORITHM } from './trust.js';
