import { bearerToken, commonErrors, type Trust, type VerifiedUser } from '@microshop/kit';
import type { FastifyRequest } from 'fastify';
import { accessFor } from './policy.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The user the bearer token names, once verified; null for anonymous. */
    verifiedUser: VerifiedUser | null;
    /** Why the caller may not go on (401, 403), answered once the rate limits have counted the request. */
    authProblem: Error | null;
  }
}

/**
 * Who is calling: the user a valid bearer token names. On a public route a missing or bad token
 * just means anonymous; elsewhere it is a 401, and a customer on an admin route a 403.
 */
export async function authenticate(request: FastifyRequest, trust: Trust, path: string): Promise<VerifiedUser | null> {
  const access = accessFor(request.method, path);
  let user: VerifiedUser | null = null;
  try {
    const token = bearerToken(request.headers.authorization);
    if (token) user = await trust.verifyUser(token);
  } catch (error) {
    if (access !== 'public') throw error;
  }
  if (access === 'public') return user;
  if (!user) throw commonErrors.UNAUTHORIZED('Sign in first: send Authorization: Bearer <token>', { headers: { 'www-authenticate': 'Bearer' } });
  if (access === 'admin' && user.role !== 'admin') throw commonErrors.FORBIDDEN('Only an admin may do this');
  return user;
}


/** The path of a URL with its percent-escapes decoded (`/api/admin/%73tatus` is `/api/admin/status`). */
export function routedPath(url: string): string {
  const raw = url.split('?', 1)[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw commonErrors.BAD_REQUEST('The URL has a malformed percent-escape');
  }
}

/**
 * For the admin routes the gateway answers itself: the edge already applied the policy; this
 * checks again, on the verified user itself, with the kit's rule (401 anonymous, 403 customer).
 */
export function requireVerifiedAdmin(request: Pick<FastifyRequest, 'verifiedUser'>): VerifiedUser {
  const user = request.verifiedUser;
  if (!user) throw commonErrors.UNAUTHORIZED('Sign in first: send Authorization: Bearer <token>', { headers: { 'www-authenticate': 'Bearer' } });
  if (user.role !== 'admin') throw commonErrors.FORBIDDEN('Only an admin may do this');
  return user;
}
