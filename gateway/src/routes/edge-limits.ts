import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { type App, commonErrors } from '@microshop/kit';
import type { FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
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
 * and registration more strictly by IP. Runs after authentication, so the user is known, and before
 * a refused token's 401, so bad tokens count against their IP.
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

const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  // The pages the gateway serves are its own and use inline styles only.
  contentSecurityPolicy: { directives: { 'default-src': ["'self'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] } },
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/**
 * The headers helmet sets for these options. None depends on the request (no CSP nonces), so
 * they are worked out once here instead of by helmet's middleware on every request.
 */
export function securityHeaders(options: Readonly<HelmetOptions> = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as never, response as never, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return Object.freeze(headers);
}

/** Security headers on every answer, and CORS for the origins the operator lists (none by default). */
export async function edgeHeaders(app: App, corsOrigins: string): Promise<void> {
  const headers = securityHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  const origins = corsOrigins
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  // With no origin allowed, browsers' same-origin rule is the whole policy: nothing to add per request.
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins,
    credentials: false,
    exposedHeaders: ['x-request-id', 'retry-after'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'traceparent'],
    maxAge: 600,
  });
}
