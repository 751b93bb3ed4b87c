import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { type App, commonErrors, type HttpProblem } from '@microshop/kit';
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

/** The 429 for a client over a limit, saying when to try again. */
function tooManyRequests(ttlMs: number): HttpProblem {
  const seconds = Math.ceil(ttlMs / 1000);
  return commonErrors.TOO_MANY_REQUESTS(`Too many requests: try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
}

/**
 * Per-client limits for a minute. Every request counts against its IP (sign-in and registration
 * against a stricter bucket of their own), and a signed-in one against its user as well: one
 * account cannot hop addresses past its limit, nor many accounts on one address past the
 * address's. Runs after authentication, so the user is known, and before a refused token's 401,
 * so bad tokens count against their IP.
 */
export async function rateLimits(scope: App, options: LimitOptions): Promise<void> {
  if (!options.enabled) return;
  const addressKey = (request: FastifyRequest) => (SIGN_IN.has(routedPath(request.url)) ? `sign-in:${request.ip}` : `ip:${request.ip}`);
  await scope.register(rateLimit, {
    global: true,
    hook: 'preValidation',
    timeWindow: 60_000,
    keyGenerator: addressKey,
    max: async (_request, key) => (key.startsWith('sign-in:') ? options.signIn : options.perIp),
    errorResponseBuilder: (_request, context) => tooManyRequests(context.ttl),
  });
  // The same plugin's second store, asked after the address's limit passed (a route's preValidation hooks run in order).
  const userBucket = scope.createRateLimit({ keyGenerator: (request) => `user:${request.verifiedUser?.id ?? ''}`, max: options.perUser });
  const userLimit = async (request: FastifyRequest) => {
    if (!request.verifiedUser) return;
    const outcome = await userBucket(request);
    if (!outcome.isAllowed && outcome.isExceeded) throw tooManyRequests(outcome.ttl);
  };
  scope.addHook('onRoute', (route) => {
    const existing = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
    route.preValidation = [...existing, userLimit];
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
