import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { type App, commonErrors } from '@microshop/kit';
import type { FastifyRequest } from 'fastify';
import { routedPath } from '../auth/authenticate.js';

export interface LimitOptions {
  enabled: boolean;
  perIp: number;
  perUser: number;
  signIn: number;
}

const SIGN_IN = new Set(['/api/auth/login', '/api/auth/register']);

/**
 * Per-client limits for a minute: signed-in users by user id, everyone else by IP, and sign-in
 * and registration more strictly by IP. Runs after authentication, so the user is known.
 */
export async function rateLimits(scope: App, options: LimitOptions): Promise<void> {
  if (!options.enabled) return;
  const keyOf = (request: FastifyRequest) => {
    const path = routedPath(request.url);
    if (SIGN_IN.has(path)) return `sign-in:${request.ip}`;
    return request.verifiedUser ? `user:${request.verifiedUser.id}` : `ip:${request.ip}`;
  };
  await scope.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    keyGenerator: keyOf,
    max: async (_request, key) => (key.startsWith('sign-in:') ? options.signIn : key.startsWith('user:') ? options.perUser : options.perIp),
    errorResponseBuilder: (_request, context) =>
      commonErrors.TOO_MANY_REQUESTS(`Too many requests: try again in ${Math.ceil(context.ttl / 1000)} s`, {
        headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
      }),
  });
}

/** Security headers on every answer, and CORS for the origins the operator lists (none by default). */
export async function edgeHeaders(app: App, corsOrigins: string): Promise<void> {
  await app.register(helmet, {
    // The pages the gateway serves are its own and use inline styles only.
    contentSecurityPolicy: { directives: { 'default-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  const origins = corsOrigins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  await app.register(cors, {
    origin: origins.length > 0 ? origins : false,
    credentials: false,
    exposedHeaders: ['x-request-id', 'retry-after'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'traceparent'],
    maxAge: 600,
  });
}
