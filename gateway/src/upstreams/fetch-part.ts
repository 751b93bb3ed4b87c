import { type Context, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { SERVICE_TOKEN_HEADER, type Trust } from '@microshop/kit';
import { request } from 'undici';
import type { Upstreams } from '@microshop/kit';

/** How long a fan-out waits for one part: a slow or hung service leaves its part empty, not the page slow. */
export const PART_TIMEOUT_MS = 800;

/**
 * GET from a healthy instance of `service`; undefined when none answers 200 in time. Made in
 * `parent` (a request's span), the call is its child span and carries its trace context.
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
  try {
    // undici announces the request synchronously: the instrumentation sees `parent` active.
    const response = await context.with(parent, () => request(`${instance.url}${path}`, {
      headers,
      headersTimeout: PART_TIMEOUT_MS,
      bodyTimeout: PART_TIMEOUT_MS,
      // The header and body timeouts do not cover connecting: this bounds the whole call.
      signal: AbortSignal.timeout(PART_TIMEOUT_MS),
    }));
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    return await response.body.json();
  } catch {
    return undefined;
  }
}

/** The gateway's credential for a service's /internal routes. */
export async function internalHeaders(trust: Trust, service: string): Promise<Record<string, string>> {
  return { [SERVICE_TOKEN_HEADER]: await trust.serviceToken(service) };
}
