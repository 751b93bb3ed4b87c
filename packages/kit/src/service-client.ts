import { trace } from '@opentelemetry/api';
import { commonErrors } from './problem.js';
import { SERVICE_TOKEN_HEADER } from './trust/bundle.js';
import type { Trust } from './trust/trust.js';

export interface ServiceResponse<T = unknown> {
  status: number;
  body: T;
}

/**
 * A synchronous call to another service, for the few things that cannot wait for an event
 * (orders reads the cart at checkout). Every call carries this service's credential for the
 * callee and, when made for a user, that user's own token. Tries each instance in turn when one
 * cannot be reached; a service with none reachable is a 503 naming it, a slow one a 504.
 */
export class ServiceClient {
  #next = 0;

  constructor(
    readonly service: string,
    private readonly urls: readonly string[],
    private readonly trust: Trust,
    private readonly timeoutMs = 3_000,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: unknown; userToken?: string | null; traceparent?: string | undefined } = {},
  ): Promise<ServiceResponse<T>> {
    if (this.urls.length === 0) {
      throw commonErrors.SERVICE_UNAVAILABLE(`The ${this.service} service is not configured`, { extensions: { service: this.service } });
    }
    const credentials: Record<string, string> = { [SERVICE_TOKEN_HEADER]: await this.trust.serviceToken(this.service) };
    if (options.userToken) credentials.authorization = `Bearer ${options.userToken}`;
    // Traced, the call gets a client span and its context from the instrumentation; otherwise the
    // caller's trace context is passed on as it came.
    if (options.traceparent && !trace.getActiveSpan()) credentials.traceparent = options.traceparent;
    for (let attempt = 0; attempt < this.urls.length; attempt++) {
      const url = this.urls[this.#next++ % this.urls.length];
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
          method,
          headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers, ...credentials },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') {
          throw commonErrors.GATEWAY_TIMEOUT(`The ${this.service} service did not answer in time`, { extensions: { service: this.service } });
        }
        // Only a connection that was never made is tried elsewhere: the request did not arrive.
        const code = ((error as { cause?: { code?: string } }).cause ?? {}).code;
        if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'UND_ERR_CONNECT_TIMEOUT') continue;
        throw commonErrors.BAD_GATEWAY(`The ${this.service} service broke off its answer`, { extensions: { service: this.service } });
      }
      const text = await response.text();
      try {
        return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
      } catch {
        throw commonErrors.BAD_GATEWAY(`The ${this.service} service answered something that is not JSON`, { extensions: { service: this.service } });
      }
    }
    throw commonErrors.SERVICE_UNAVAILABLE(`The ${this.service} service cannot be reached right now`, {
      extensions: { service: this.service },
      headers: { 'retry-after': '1' },
    });

  }
}

