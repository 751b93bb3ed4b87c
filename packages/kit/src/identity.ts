import type { FastifyRequest } from 'fastify';
import { commonErrors } from './problem.js';

export type Role = 'customer' | 'admin';

export interface VerifiedUser {
  id: string;
  role: Role;
  email: string;
  name: string;
}

/**
 * Who is calling, as far as this process verified it: the end user an identity token names (and
 * that token, for calls made on their behalf), and the Microshop service whose credential came
 * with the request. Plain headers never fill this in.
 */
export interface Caller {
  user: VerifiedUser | null;
  token: string | null;
  service: string | null;
}

type WithCaller = Pick<FastifyRequest, 'caller'>;

/** The caller, if a verified token named one. */
export function userFrom(request: WithCaller): VerifiedUser | undefined {
  return request.caller?.user ?? undefined;
}

/** The caller, or a 401. */
export function requireUser(request: WithCaller): VerifiedUser {
  const user = userFrom(request);
  if (!user) throw commonErrors.UNAUTHORIZED('Sign in first: send Authorization: Bearer <token>', { headers: { 'www-authenticate': 'Bearer' } });
  return user;
}

/** An admin caller, or a 401 / 403. */
export function requireAdmin(request: WithCaller): VerifiedUser {
  const user = requireUser(request);
  if (user.role !== 'admin') throw commonErrors.FORBIDDEN('Only an admin may do this');
  return user;
}

/** The W3C trace context a request carries (the gateway always sets one), for the events it causes. */
export function traceContext(request: Pick<FastifyRequest, 'headers' | 'id'>): { traceparent?: string; requestId: string } {
  const traceparent = request.headers.traceparent;
  return typeof traceparent === 'string' ? { traceparent, requestId: request.id } : { requestId: request.id };
}
