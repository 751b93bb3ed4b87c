import type { IncomingHttpHeaders } from 'node:http';
import { acceptAnyQuery, type App, BODY_LIMIT_BYTES, commonErrors, HttpProblem, recordLatency, sendProblem } from '@microshop/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { serviceFor } from '../route-table.js';
import { unavailablePage } from '../unavailable-page.js';
import { endToEndHeaders } from './hop-by-hop.js';
import { BrokenCircuitError, IsolatedCircuitError } from 'cockatiel';
import type { FaultInjector } from '../faults.js';
import type { UpstreamMetrics } from '../upstreams/metrics.js';
import { exchange, upstreamAgent, type UpstreamAgentOptions } from '../upstreams/exchange.js';
import type { Instance, ServicePool, Upstreams } from '@microshop/kit';
import { CircuitState, type Guard, guardFor } from '@microshop/kit';

export type ProxyOptions = UpstreamAgentOptions;

/** The request never reached the service: safe to send to another instance, whatever the method. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** The connection broke mid-request: the service may have acted, so only idempotent methods retry. */
const BROKEN = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_CLOSED']);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/**
 * The answers that say the service, not the request, is in trouble: only these (and no answer at
 * all) count against its breaker. A 500 is one request's fault, possibly its sender's: counting
 * it would let one client's requests pause the service for everybody.
 */
const SERVICE_IN_TROUBLE = new Set([502, 503, 504]);
const HAS_NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Dropped from what clients send: no client speaks for a service (x-microshop-*), x-user-* mean nothing, forwarding
 * claims other than X-Forwarded-For are not trusted, and hop-by-hop headers end at the gateway.
 */
const CLIENT_FORBIDDEN_HEADER = /^(x-(user|microshop)-.*|forwarded|x-real-ip|expect|keep-alive|upgrade|te|trailer|proxy-connection|transfer-encoding)$/;

declare module 'fastify' {
  interface FastifyRequest {
    upstreamInstance: Instance | null;
    /** The instance this request counts as in flight to, until it answers, fails or the exchange ends. */
    inflightAt: Instance | null;
  }
}

/** Ends the request's count in its instance's `inflight`, once, whichever of the exchange's ends comes first. */
function releaseInflight(request: { inflightAt: Instance | null }): void {
  const instance = request.inflightAt;
  if (!instance) return;
  request.inflightAt = null;
  instance.inflight--;
}

function errorCode(error: Error & { code?: string; cause?: unknown }): string | undefined {
  const cause = error.cause as { code?: string } | undefined;
  return cause?.code ?? error.code;
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') && !accept.includes('json');
}

function replyUnavailable(request: FastifyRequest, reply: FastifyReply, problem: HttpProblem): FastifyReply {
  if (wantsHtml(request)) {
    return reply
      .code(problem.status)
      .type('text/html; charset=utf-8')
      .send(unavailablePage(problem.status, problem.title, problem.message, request.id));
  }
  return sendProblem(reply, problem);
}

/** The 503 for a service none of whose instances may take a request now. */
export function noInstance(service: string): HttpProblem {
  return commonErrors.SERVICE_UNAVAILABLE(`The ${service} service has no healthy instance right now`, {
    extensions: { service },
    headers: { 'retry-after': '1' },
  });
}

/** The header names a `Connection` header lists: hop-by-hop too, by the client's say (RFC 9110 §7.6.1). */
function connectionNamed(headers: IncomingHttpHeaders): Set<string> | undefined {
  const connection = headers.connection;
  if (typeof connection !== 'string' || connection === '') return undefined;
  return new Set(connection.toLowerCase().split(',').map((name) => name.trim()));
}

/**
 * The headers the service gets: the client's end-to-end ones, less those nobody outside may
 * set, and the gateway's own. Its Host is the service's (the client's goes on as
 * X-Forwarded-Host) and its length is that of the body sent, if any.
 */
function rewriteRequestHeaders(
  request: Pick<FastifyRequest, 'id' | 'ip' | 'protocol' | 'headers' | 'verifiedUser' | 'traceparent'>,
  body: Buffer | undefined,
): IncomingHttpHeaders {
  const headers = request.headers;
  const named = connectionNamed(headers);
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (name === 'host' || name === 'connection' || name === 'content-length' || CLIENT_FORBIDDEN_HEADER.test(name) || named?.has(name)) continue;
    out[name] = headers[name];
  }
  out['x-request-id'] = request.id;
  // The gateway's span for this request is the service's parent (edge-span.ts).
  out.traceparent = request.traceparent;
  delete out.tracestate;
  const forwardedFor = headers['x-forwarded-for'];
  out['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${request.ip}` : request.ip;
  out['x-forwarded-proto'] = request.protocol;
  if (headers.host) out['x-forwarded-host'] = headers.host;
  if (body) {
    out['content-length'] = String(body.length);
    out['content-type'] = headers['content-type'] ?? 'application/octet-stream';
  }
  return out;
}

/**
 * What the gateway refuses to forward, as @fastify/reply-from did before this proxy path: a
 * malformed percent-escape (`?q=%`), the client's error rather than a 500 or the service's to
 * puzzle over, and a `..` path segment, escaped or not, which no route of the shop has and which
 * would name another path than the one the policies were decided on.
 */
function checkUrl(url: string): void {
  if (!url.includes('%') && !url.includes('..')) return;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    throw commonErrors.BAD_REQUEST('The URL has a malformed percent-escape');
  }
  const path = decoded.split('?', 1)[0] ?? '';
  if (path.includes('/..') || path.includes('../')) throw commonErrors.BAD_REQUEST('The path has a ".." segment');
}

/** Answers up to this size are read whole and sent with their headers in one write, instead of piped. */
const WHOLE_BODY_BYTES = 64 * 1024;
/** Statuses that never carry a body: passed on as they come. */
const BODILESS = new Set([204, 304]);
/** What the service said about the answer it broke off: none of it is true of the gateway's 502. */
const ABOUT_THE_BODY = [
  'content-length', 'content-type', 'content-encoding', 'content-disposition', 'content-language', 'content-location', 'content-range',
  'accept-ranges', 'etag', 'last-modified', 'cache-control', 'expires', 'vary', 'location', 'set-cookie', 'retry-after',
];

/**
 * Whether the service's answer is piped as it comes rather than read whole. One whose length is
 * known and small (nearly all of the shop's JSON) is read whole first, so that Node writes its
 * headers and body together: piping it cost a stream pipeline and a second write, about 15 µs of
 * the gateway's CPU per request. The rest (large, of unknown length or type, a HEAD's) is piped;
 * without a type of its own, a whole body would be sent as application/octet-stream.
 */
function piped(method: string, status: number, headers: IncomingHttpHeaders): boolean {
  const length = Number(headers['content-length'] ?? Number.NaN);
  return method === 'HEAD' || BODILESS.has(status) || headers['content-type'] === undefined || !(length >= 0 && length <= WHOLE_BODY_BYTES);
}

/** The answer to a request an admin's fault aborted: says so, so nobody hunts for a real failure. */
function injectedFault(service: string, status: number): HttpProblem {
  return new HttpProblem(status, 'FAULT_INJECTED', 'Injected fault', `An admin set the gateway to fail some of the ${service} service's requests`, {
    extensions: { service },
    headers: { 'x-microshop-fault': 'abort' },
  });
}

export async function proxyRoutes(
  app: App,
  upstreams: Upstreams,
  metrics: UpstreamMetrics,
  options: ProxyOptions,
  faults: FaultInjector,
): Promise<void> {
  await app.register(async (scope) => {
    // The owning service judges the query string; the gateway forwards it untouched.
    acceptAnyQuery(scope);
    const agent = upstreamAgent(options);
    scope.addHook('onClose', async () => agent.destroy());

    // Bodies pass through untouched (the service validates them), buffered up to the 1 MiB limit.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
    // Before the edge's checks, which decide on the path as it is written.
    scope.addHook('onRequest', (request, _reply, done) => {
      try {
        checkUrl(request.url);
        done();
      } catch (error) {
        done(error as Error);
      }
    });
    scope.decorateRequest('upstreamInstance', null);
    scope.decorateRequest('inflightAt', null);
    scope.addHook('onResponse', (request, _reply, done) => {
      releaseInflight(request);
      done();
    });

    const guards = new Map<string, Guard>();
    const guardOf = (service: string): Guard => {
      let guard = guards.get(service);
      if (!guard) {
        guard = guardFor((state) => {
          metrics.breaker.set({ service }, state);
          app.log.warn({ upstream: service, breaker: CircuitState[state] }, 'circuit breaker changed state');
        });
        metrics.breaker.set({ service }, CircuitState.Closed);
        guards.set(service, guard);
      }
      return guard;
    };

    /** The outcome of one proxied request, reported to the service's breaker. */
    interface Settle {
      resolve(): void;
      reject(error: Error): void;
    }

    const forward = (
      request: FastifyRequest,
      reply: FastifyReply,
      pool: ServicePool,
      guard: Guard,
      settle: Settle,
      previous?: Instance,
    ): FastifyReply => {
      const instance = pool.pick(previous);
      if (!instance) {
        // Health checks already make this fast; the breaker counts failures of live instances only.
        settle.resolve();
        return replyUnavailable(request, reply, noInstance(pool.name));
      }
      instance.inflight++;
      request.upstreamInstance = instance;
      request.inflightAt = instance;
      const started = performance.now();
      const withBody = !HAS_NO_BODY.has(request.method) && Buffer.isBuffer(request.body);
      const retry = (reason: string): FastifyReply | undefined => {
        // Once, on another instance, within the retry budget.
        if (previous !== undefined || !guard.budget.withdraw()) return undefined;
        metrics.retries.inc({ service: pool.name });
        request.log.info({ upstream: pool.name, upstreamInstance: instance.id, reason }, 'retrying on another instance');
        return forward(request, reply, pool, guard, settle, instance);
      };
      const body = withBody ? (request.body as Buffer) : undefined;
      const fail = (error: Error): FastifyReply | undefined => {
        releaseInflight(request);
        request.upstreamInstance = null;
        const code = errorCode(error as Error & { code?: string });
        metrics.requests.inc({ service: pool.name, outcome: code ?? 'error' });
        // Every error here is a failure of this instance: no connection, a broken one, or a timeout.
        instance.requests++;
        instance.failures++;
        if (code !== undefined && NOT_CONNECTED.has(code)) {
          upstreams.markDown(pool, instance, `connect failed: ${code}`);
          const retried = retry(code);
          if (retried) return retried;
          settle.resolve();
          return replyUnavailable(request, reply, noInstance(pool.name));
        }
        if (code !== undefined && BROKEN.has(code)) {
          upstreams.markDown(pool, instance, `connection broken: ${code}`);
          if (IDEMPOTENT.has(request.method)) {
            const retried = retry(code);
            if (retried) return retried;
          }
        }
        // Only now is the request's fate sealed; a retry above settles it instead.
        settle.reject(error);
        if (code !== undefined && TIMED_OUT.has(code)) {
          return replyUnavailable(
            request,
            reply,
            commonErrors.GATEWAY_TIMEOUT(`The ${pool.name} service did not answer within ${options.upstreamTimeoutMs} ms`, {
              extensions: { service: pool.name },
            }),
          );
        }
        request.log.warn({ err: error, upstream: pool.name, upstreamInstance: instance.id }, 'upstream request failed');
        return replyUnavailable(request, reply, commonErrors.BAD_GATEWAY(`The ${pool.name} service failed to answer`, { extensions: { service: pool.name } }));
      };
      exchange(
        agent,
        { origin: instance.url, path: request.url, method: request.method, headers: rewriteRequestHeaders(request, body), body },
        {
          onStart: (status, headers) => {
            // Counted down here, also when the client has gone away meanwhile: Fastify's
            // onResponse does not run then, and such requests stayed in flight for ever.
            releaseInflight(request);
            const ms = performance.now() - started;
            metrics.duration.observe({ service: pool.name }, ms / 1000);
            recordLatency(instance, ms);
            metrics.requests.inc({ service: pool.name, outcome: String(status) });
            instance.requests++;
            instance.answered++;
            if (status >= 500) instance.failures++;
            if (SERVICE_IN_TROUBLE.has(status)) settle.reject(new Error(`answered ${status}`));
            else settle.resolve();
            reply.code(status);
            reply.headers(endToEndHeaders(headers));
            return piped(request.method, status, headers);
          },
          onBody: (answer) => {
            reply.send(answer);
          },
          onError: (error, answered) => {
            if (!answered) {
              fail(error);
              return;
            }
            // A service that broke off a body it said was small: nothing was sent yet, so a 502
            // (the breaker and the metrics have already counted the answer by its status).
            request.log.warn({ err: error, upstream: pool.name }, 'upstream broke off its answer');
            for (const name of ABOUT_THE_BODY) reply.removeHeader(name);
            replyUnavailable(request, reply, commonErrors.BAD_GATEWAY(`The ${pool.name} service broke off its answer`, { extensions: { service: pool.name } }));
          },
        },
      );
      return reply;
    };

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?', 1)[0] ?? '/';
      const service = serviceFor(path);
      if (service === undefined) throw commonErrors.NOT_FOUND(`No service serves ${path}`);
      const pool = upstreams.pool(service);
      if (pool === undefined) return replyUnavailable(request, reply, noInstance(service));
      // Faults an admin injected (none by default) come before the breaker: they are not the service's.
      const fault = faults.decide(service);
      if (fault.delayMs > 0) {
        metrics.faults.inc({ service, kind: 'delay' });
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      }
      if (fault.abortStatus !== undefined) {
        metrics.faults.inc({ service, kind: 'abort' });
        return replyUnavailable(request, reply, injectedFault(service, fault.abortStatus));
      }
      const guard = guardOf(service);
      guard.budget.deposit();
      // The breaker counts each request's outcome; while it is open, requests fail at once.
      let thrown: unknown;
      guard.breaker
        .execute(
          () =>
            new Promise<void>((resolve, reject) => {
              try {
                forward(request, reply, pool, guard, { resolve, reject }, undefined);
              } catch (error) {
                thrown = error;
                reject(error);
              }
            }),
        )
        .catch((error: unknown) => {
          if (reply.sent) return;
          // Thrown before anything was forwarded: the error handler answers.
          if (error === thrown) {
            reply.send(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
            metrics.requests.inc({ service, outcome: 'circuit-open' });
            replyUnavailable(
              request,
              reply,
              commonErrors.SERVICE_UNAVAILABLE(`The ${service} service is failing; requests are paused for a few seconds`, {
                extensions: { service },
                headers: { 'retry-after': '5' },
              }),
            );
          }
        });
      return reply;
    };

    scope.all('/api/*', handler);
    scope.all('/.well-known/jwks.json', handler);
  });
}
