import { type Context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SERVICE_TOKEN_HEADER, type Trust } from '@microshop/kit';
import { request } from 'undici';
import type { Upstreams } from '@microshop/kit';

/** How long a fan-out waits for one part: a slow or hung service leaves its part empty, not the page slow. */
export const PART_TIMEOUT_MS = 800;

const tracer = trace.getTracer('@microshop/gateway');

/**
 * GET from a healthy instance of `service`; undefined when none answers 200 in time. Made in
 * `parent` (a request's span), the call is its child span, as the semantic conventions' HTTP
 * client span, and carries its trace context; in an unrecorded request's context it carries that
 * (unsampled) context, so the service records none of it either.
 */
export async function fetchPart(
  upstreams: Upstreams,
  service: string,
  path: string,
  headers: Record<string, string> = {},
  parent: Context = ROOT_CONTEXT,
): Promise<unknown> {
  const instance = upstreams.pool(service)?.pick();
  if (!instance) return undefined;
  let span: Span | undefined;
  let status = 0;
  try {
    const sent = { ...headers };
    span = clientSpan(parent, instance.url, path);
    propagation.inject(span ? trace.setSpan(parent, span) : parent, sent);
    const response = await request(`${instance.url}${path}`, {
      headers: sent,
      headersTimeout: PART_TIMEOUT_MS,
      bodyTimeout: PART_TIMEOUT_MS,
      // The header and body timeouts do not cover connecting: this bounds the whole call.
      signal: AbortSignal.timeout(PART_TIMEOUT_MS),
    });
    status = response.statusCode;
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    return await response.body.json();
  } catch (error) {
    span?.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
    span?.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    return undefined;
  } finally {
    if (span) {
      if (status > 0) span.setAttribute('http.response.status_code', status);
      // A client span's status is an error for any 4xx or 5xx answer (the HTTP semantic conventions).
      if (status >= 400) {
        span.setAttribute('error.type', String(status));
        span.setStatus({ code: SpanStatusCode.ERROR, message: `answered ${status}` });
      }
      span.end();
    }
  }
}

/** The call's client span, when `parent` is being recorded. */
function clientSpan(parent: Context, base: string, path: string): Span | undefined {
  if (!trace.getSpan(parent)?.isRecording()) return undefined;
  const url = new URL(path, base);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return tracer.startSpan(
    `GET ${url.pathname}`,
    {
      kind: SpanKind.CLIENT,
      // The query string may carry what no trace should keep.
      attributes: { 'http.request.method': 'GET', 'url.full': `${url.origin}${url.pathname}`, 'server.address': url.hostname, 'server.port': port },
    },
    parent,
  );
}

/** The gateway's credential for a service's /internal routes. */
export async function internalHeaders(trust: Trust, service: string): Promise<Record<string, string>> {
  return { [SERVICE_TOKEN_HEADER]: await trust.serviceToken(service) };
}
