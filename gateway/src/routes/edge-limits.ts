import cors from '@fastify/cors';
import { type App, commonErrors, type HttpProblem } from '@microshop/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

/** How long a limit's window is: the limits are per minute. */
const WINDOW_MS = 60_000;
/** Clients counted at once per limit before the oldest are forgotten (a flood of addresses cannot grow it without bound). */
const MAX_CLIENTS = 100_000;

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Requests per client in fixed windows of a minute, each starting at its client's first request
 * (as @fastify/rate-limit's local store counts, which this replaces: that plugin's async hooks and
 * per-request promises cost the gateway about a tenth of its CPU per request). At most
 * `maxClients` are remembered: when full, the windows that have ended are dropped, and if that is
 * not enough, the tenth not seen longest, who start afresh (as an LRU store forgets).
 */
export class WindowCounter {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly windowMs = WINDOW_MS,
    private readonly maxClients = MAX_CLIENTS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one request of `client` at `now`; its count in this window and when the window ends.
   * The client becomes the latest counted, so the ones forgotten first are those not seen longest.
   */
  hit(client: string, now = this.now()): Readonly<Window> {
    let window = this.#windows.get(client);
    if (window === undefined) {
      if (this.#windows.size >= this.maxClients) this.#makeRoom(now);
      window = { count: 0, resetAt: now + this.windowMs };
    } else {
      this.#windows.delete(client);
      if (window.resetAt <= now) {
        window.count = 0;
        window.resetAt = now + this.windowMs;
      }
    }
    this.#windows.set(client, window);
    window.count++;
    return window;
  }

  get size(): number {
    return this.#windows.size;
  }

  #makeRoom(now: number): void {
    for (const [client, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(client);
    let excess = this.#windows.size - Math.floor(this.maxClients * 0.9);
    for (const client of this.#windows.keys()) {
      if (excess-- <= 0) break;
      this.#windows.delete(client);
    }
  }
}

/**
 * Per-client limits for a minute. Every request counts against its IP (sign-in and registration
 * against a stricter bucket of their own), and a signed-in one against its user as well: one
 * account cannot hop addresses past its limit, nor many accounts on one address past the
 * address's. Runs after authentication, so the user is known, and before a refused token's 401,
 * so bad tokens count against their IP. Every answer says the address's limit, what is left of it
 * and when its window ends (`x-ratelimit-limit`, `-remaining`, `-reset`, in seconds).
 */
export function rateLimits(scope: App, options: LimitOptions): void {
  if (!options.enabled) return;
  const addresses = new WindowCounter();
  const users = new WindowCounter();
  const limit = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    const signIn = SIGN_IN.has(routedPath(request.url));
    const max = signIn ? options.signIn : options.perIp;
    const now = Date.now();
    const address = addresses.hit(signIn ? `sign-in:${request.ip}` : `ip:${request.ip}`, now);
    reply.header('x-ratelimit-limit', max);
    reply.header('x-ratelimit-remaining', Math.max(0, max - address.count));
    reply.header('x-ratelimit-reset', Math.ceil((address.resetAt - now) / 1000));
    if (address.count > max) {
      done(tooManyRequests(address.resetAt - now));
      return;
    }
    const user = request.verifiedUser;
    if (user) {
      const own = users.hit(user.id, now);
      if (own.count > options.perUser) {
        done(tooManyRequests(own.resetAt - now));
        return;
      }
    }
    done();
  };
  // A route-level preValidation: after the scope's (authentication), before the ones app.ts adds later.
  scope.addHook('onRoute', (route) => {
    const existing = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
    route.preValidation = [...existing, limit];
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
