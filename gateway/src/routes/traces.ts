import { operations } from '@microshop/contracts';
import { type App, commonErrors, SERVICE_TOKEN_HEADER, type Trust } from '@microshop/kit';
import { TRACE_STORE_PATH } from '@microshop/kit/telemetry';
import { Type } from 'typebox';
import { requireVerifiedAdmin } from '../auth/authenticate.js';
import { OtlpError, readOtlpJson } from '../traces/otlp.js';
import type { TraceStore } from '../traces/store.js';

/** An export of up to 512 spans with their attributes fits well within this. */
const EXPORT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** The built-in store's admin API (SPEC §5b), for `/ops`: search, one trace, the service map. */
export function traceRoutes(app: App, store: TraceStore): void {
  app.get('/api/admin/traces', { schema: { querystring: operations.TraceQuery, response: { 200: operations.TraceList } } }, async (request) => {
    requireVerifiedAdmin(request);
    return { items: store.search(request.query) };
  });

  app.get(
    '/api/admin/traces/:traceId',
    { schema: { params: Type.Object({ traceId: Type.String({ pattern: '^[0-9a-fA-F]{32}$' }) }), response: { 200: operations.TraceView } } },
    async (request) => {
      requireVerifiedAdmin(request);
      const found = store.get(request.params.traceId.toLowerCase());
      if (!found) throw commonErrors.NOT_FOUND(`No trace ${request.params.traceId} is kept (traces are kept for a while, then dropped)`);
      return found;
    },
  );

  app.get(
    '/api/admin/service-map',
    {
      schema: {
        querystring: Type.Object({ windowSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86_400, default: 300 })) }),
        response: { 200: operations.ServiceMap },
      },
    },
    async (request) => {
      requireVerifiedAdmin(request);
      return store.serviceMap((request.query.windowSeconds ?? 300) * 1000);
    },
  );
}

/**
 * The store's OTLP/HTTP receiver (JSON): services send their spans here with their own credential,
 * and each may only report spans of its own (the resource's `service.name`).
 */
export async function otlpReceiverRoute(app: App, store: TraceStore, trust: Trust): Promise<void> {
  await app.register(async (scope) => {
    // Who is sending is settled before the body is read: a stranger's export is never parsed.
    scope.addHook('onRequest', async (request) => {
      const token = request.headers[SERVICE_TOKEN_HEADER];
      if (typeof token !== 'string' || token.length === 0) {
        throw commonErrors.UNAUTHORIZED(`Only Microshop services may send spans here: send a service credential in ${SERVICE_TOKEN_HEADER}`);
      }
      request.spanSender = await trust.verifyService(token);
    });
    // Exports come from verified services and are large: plain JSON.parse, without the
    // prototype-poisoning scan the public routes' parser makes (the reader copies only known fields).
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: EXPORT_BODY_LIMIT_BYTES }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(commonErrors.BAD_REQUEST('The body is not valid JSON'));
      }
    });
    scope.post(TRACE_STORE_PATH, { bodyLimit: EXPORT_BODY_LIMIT_BYTES }, async (request, reply) => {
      if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
        throw commonErrors.UNSUPPORTED_MEDIA_TYPE('Spans are taken as OTLP/HTTP JSON (Content-Type: application/json)');
      }
      const service = request.spanSender ?? '';
      let result: ReturnType<typeof readOtlpJson>;
      try {
        result = readOtlpJson(request.body, service);
      } catch (error) {
        if (error instanceof OtlpError) throw commonErrors.BAD_REQUEST(error.message);
        throw error;
      }
      store.add(result.spans);
      if (result.rejected === 0) return reply.send({});
      return reply.send({ partialSuccess: { rejectedSpans: result.rejected, errorMessage: `${result.rejected} spans were malformed or not ${service}'s own` } });
    });
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The service an OTLP export came from, once its credential is verified. */
    spanSender?: string;
  }
}
