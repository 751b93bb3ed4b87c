import type { FastifyRequest } from 'fastify';
import { commonErrors } from './problem.js';

/**
 * The identity the gateway verified (from the JWT) and passes on. The gateway drops any of these
 * headers a client sends; services listen on a private network and trust them only from there.
 */
export const IDENTITY_HEADERS = {
  id: 'x-user-id',
  role: 'x-user-role',
  email: 'x-user-email',
  name: 'x-user-name',
} as const;

export type Role = 'customer' | 'admin';

export interface VerifiedUser {
  id: string;
  role: Role;
  email: string;
  name: string;
}

function header(request: Pick<FastifyRequest, 'headers'>, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The caller, if the gateway vouched for one. */
export function userFrom(request: Pick<FastifyRequest, 'headers'>): VerifiedUser | undefined {
  const id = header(request, IDENTITY_HEADERS.id);
  const role = header(request, IDENTITY_HEADERS.role);
  if (!id || (role !== 'customer' && role !== 'admin')) return undefined;
  return {
    id,
    role,
    email: header(request, IDENTITY_HEADERS.email) ?? '',
    name: safeDecode(header(request, IDENTITY_HEADERS.name) ?? ''),
  };
}

/** The caller, or a 401. */
export function requireUser(request: Pick<FastifyRequest, 'headers'>): VerifiedUser {
  const user = userFrom(request);
  if (!user) throw commonErrors.UNAUTHORIZED('Sign in first: send Authorization: Bearer <token>');
  return user;
}

/** An admin caller, or a 401 / 403. */
export function requireAdmin(request: Pick<FastifyRequest, 'headers'>): VerifiedUser {
  const user = requireUser(request);
  if (user.role !== 'admin') throw commonErrors.FORBIDDEN('Only an admin may do this');
  return user;
}

/** The headers that carry `user` from the gateway to a service. */
export function identityHeaders(user: VerifiedUser): Record<string, string> {
  return {
    [IDENTITY_HEADERS.id]: user.id,
    [IDENTITY_HEADERS.role]: user.role,
    [IDENTITY_HEADERS.email]: user.email,
    // A lone surrogate cannot be percent-encoded; it becomes U+FFFD rather than an error.
    [IDENTITY_HEADERS.name]: encodeURIComponent(user.name.replace(/[\uD800-\uDFFF]/g, (c, i, all: string) => {
      const code = c.charCodeAt(0);
      const pairedHigh = code <= 0xdbff && /[\uDC00-\uDFFF]/.test(all[i + 1] ?? '');
      const pairedLow = code >= 0xdc00 && /[\uD800-\uDBFF]/.test(all[i - 1] ?? '');
      return pairedHigh || pairedLow ? c : '\uFFFD';
    })),
  };
}

/** The W3C trace context a request carries (the gateway always sets one), for the events it causes. */
export function traceContext(request: Pick<FastifyRequest, 'headers'>): { traceparent?: string } {
  const traceparent = request.headers.traceparent;
  return typeof traceparent === 'string' ? { traceparent } : {};
}
