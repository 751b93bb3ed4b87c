import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { DestinationStream } from 'pino';
import type { Registry } from 'prom-client';
import { installErrorHandling } from './error-handler.js';
import { type HealthState, installHealth, type LivenessOptions, type ReadinessCheck } from './health.js';
import { createLogger } from './logger.js';
import { installMetrics } from './metrics.js';
import { redactUrl } from './redact-url.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';
import { REQUEST_TIMEOUT_MS, serverTimeouts } from './request-timeouts.js';
import { answerUnmetExpectations, onClientError, onFrameworkError } from './server-errors.js';
import { installServerSpans } from './telemetry/server-spans.js';
import { telemetry } from './telemetry/state.js';
import { SERVICE_TOKEN_HEADER } from './trust/bundle.js';
import { installGuard } from './trust/guard.js';
import type { Trust } from './trust/trust.js';
import { createValidatorCompiler, strictQuery } from './validation.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/**
 * Fastify's own response serializers (fast-json-stringify), each built when its route first
 * answers with that status, not when the route is added: building them all was about a twentieth
 * of a service's start-up CPU, for answers many processes never give.
 */
const serializersOnFirstUse: SerializerFactory = (externalSchemas, options) => {
  const build = SerializerSelector()(externalSchemas, options);
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) => (serialize ??= build(route))(data);
  };
};

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface CreateAppOptions {
  service: string;
  instanceId: string;
  logLevel: string;
  /** Shown in the OpenAPI document. */
  title?: string;
  description?: string;
  version?: string;
  /** Named checks behind `/readyz` (database, broker, ...). */
  readiness?: Record<string, ReadinessCheck>;
  /** When `/healthz` calls the event loop stuck (see health.ts). */
  liveness?: LivenessOptions;
  /** Extra fields for the `/readyz` body (the gateway lists its upstreams). */
  readinessDetails?: () => Record<string, unknown>;
  /** Generate `/openapi.json` from the route schemas (default true; the gateway merges instead). */
  openapi?: boolean;
  /** Where log lines go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
  /** A request whose headers or body have not all arrived this long after it began is answered 408 and dropped (default 30 s). */
  requestTimeoutMs?: number;
  /** Terminate TLS with this certificate and key (PEM). */
  https?: { cert: Buffer; key: Buffer };
  /**
   * The proxies in front (addresses or CIDRs) whose X-Forwarded-For is believed: behind an Ingress,
   * `request.ip` is then the client's, not the proxy's. None by default: the peer is the client.
   */
  trustedProxies?: readonly string[];
  /** Verify every caller against this before its route runs (see trust/guard.ts); services always pass it. */
  trust?: Trust;
  /**
   * A server span per request from the process's telemetry, when started (default true); the
   * gateway makes its own, leaner one.
   */
  tracing?: boolean;
  /** The pid /healthz and /readyz name (default this process's): a gateway worker names its primary's. */
  reportedPid?: number;
  /** What /metrics answers, when not this process's own registry (several gateway processes answer their sum). */
  metricsText?: (registry: Registry) => () => Promise<string>;
}

declare module 'fastify' {
  interface FastifyInstance {
    health: HealthState;
    metricsRegistry: Registry;
  }
}

const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * A Fastify instance with the kit's conventions: request ids, JSON logs, problem+json errors,
 * strict schema validation, health, metrics and an OpenAPI 3.1 document at `/openapi.json`.
 * Register routes on the result; `server.ts` listens, tests call `inject`.
 */
export async function createApp(options: CreateAppOptions): Promise<App> {
  const timeouts = serverTimeouts(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  const app = Fastify({
    // Node's HTTPS server reads the same options from its TLS options; the plain server from `http`.
    ...(options.https ? { https: { ...options.https, ...timeouts } } : {}),
    http: timeouts,
    ...(options.trustedProxies && options.trustedProxies.length > 0 ? { trustProxy: [...options.trustedProxies] } : {}),
    // Fastify sets the server's requestTimeout itself (0, none, unless told).
    requestTimeout: timeouts.requestTimeout,
    clientErrorHandler: onClientError,
    frameworkErrors: onFrameworkError,
    loggerInstance: createLogger({
      service: options.service,
      instanceId: options.instanceId,
      level: options.logLevel,
    }, options.logDestination) as FastifyBaseLogger,
    // One line per completed request comes from the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFrom,
    requestIdHeader: false,
    schemaController: { compilersFactory: { buildSerializer: serializersOnFirstUse } },
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  answerUnmetExpectations(app.server, app.log);
  const otel = telemetry();
  // First, so that every hook, the handler and the log lines run inside the request's span.
  if (otel?.enabled && options.tracing !== false) installServerSpans(app);
  // Spans go to the built-in store with this service's credential.
  const trust = options.trust;
  if (trust) otel?.useCredentials(async () => ({ [SERVICE_TOKEN_HEADER]: await trust.serviceToken('gateway') }));

  app.setValidatorCompiler(createValidatorCompiler());
  // Before any route is added, so that every one of them refuses unknown query parameters.
  app.addHook('onRoute', strictQuery);
  installErrorHandling(app);
  if (options.trust) installGuard(app, options.trust);

  // Hooks on every request take a callback rather than returning a promise: one microtask less each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    const fields = { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (route !== undefined && QUIET_ROUTES.has(route)) request.log.debug(fields, 'request completed');
    else request.log.info(fields, 'request completed');
    done();
  });

  const health: HealthState = { draining: false };
  app.decorate('health', health);
  // While closing, answers to requests in flight also close their keep-alive connection, so the
  // server does not wait for clients' idle sockets to time out before it can stop.
  app.addHook('preClose', async () => {
    health.draining = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (health.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  const details = () => options.readinessDetails?.() ?? {};
  const identity = { instance: options.instanceId, pid: options.reportedPid ?? process.pid };
  installHealth(app, options.readiness ?? {}, health, identity, details, options.liveness);
  app.decorate('metricsRegistry', installMetrics(app, { service: options.service, instanceId: options.instanceId, text: options.metricsText }));

  if (options.openapi === false) return app;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: options.title ?? `Microshop ${options.service}`,
        description: options.description ?? '',
        version: options.version ?? '0.1.0',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
  return app;
}
