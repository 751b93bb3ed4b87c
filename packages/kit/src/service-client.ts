import { trace } from '@opentelemetry/api';
import { BrokenCircuitError } from 'cockatiel';
import { commonErrors } from './problem.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { SERVICE_TOKEN_HEADER } from './trust/bundle.js';
import type { Trust } from './trust/trust.js';
import { type Instance, ServicePool, type Upstreams } from './upstreams/pool.js';
import { type Guard, guardFor } from './upstreams/resilience.js';

export interface ServiceResponse<T = unknown> {
  status: number;
  body: T;
}

export interface ServiceRequestOptions {
  headers?: Record<string, string>;
  body?: unknown;
  userToken?: string | null;
  traceparent?: string | undefined;
  /** The request this call is made for: the callee logs the same id. */
  requestId?: string | undefined;
}

/** A connection that was never made: the request did not arrive, so another instance may take it. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Answers that say the service, not the request, is in trouble (the gateway's rule too). */
const SERVICE_IN_TROUBLE = new Set([502, 503, 504]);

/** What counts against the service's breaker: a broken answer, or a 502/503/504 (`answer`, handed back to the caller). */
class UpstreamFailure extends Error {
  constructor(
    message: string,
    readonly answer?: ServiceResponse<unknown>,
  ) {
    super(message);
  }
}

/**
 * A synchronous call to another service, for the few things that cannot wait for an event
 * (orders reads the cart at checkout). The instances come from the same health-checked pool the
 * gateway uses, kept current as the runner adds or removes instances; calls go to the less busy of
 * two healthy ones, a connection refused marks an instance down and tries the next, and five
 * failures in a row of instances that did answer (a 502/503/504, a broken answer, a timeout) open
 * the service's breaker for 5 s. Every call carries this service's
 * credential for the callee, the user's own token when made for one, the request id and the trace
 * context. No instance reachable is a 503 naming the service, a slow one a 504.
 */
export class ServiceClient {
  readonly #guard: Guard;
  readonly #source: { pool(): ServicePool | undefined; markDown(pool: ServicePool, instance: Instance, reason: string): void };

  constructor(
    readonly service: string,
    /** Live instances (Upstreams), or fixed URLs taken as healthy (one instance the caller chose). */
    target: Upstreams | readonly string[],
    private readonly trust: Trust,
    private readonly timeoutMs = 3_000,
  ) {
    if (Array.isArray(target)) {
      const fixed = new ServicePool(service, target);
      for (const instance of fixed.instances) instance.healthy = true;
      this.#source = { pool: () => fixed, markDown: () => {} };
    } else {
      const upstreams = target as Upstreams;
      this.#source = { pool: () => upstreams.pool(service), markDown: (pool, instance, reason) => upstreams.markDown(pool, instance, reason) };
    }
    this.#guard = guardFor(() => {});
  }

  async request<T = unknown>(method: string, path: string, options: ServiceRequestOptions = {}): Promise<ServiceResponse<T>> {
    const pool = this.#source.pool();
    if (!pool || pool.instances.length === 0) {
      throw commonErrors.SERVICE_UNAVAILABLE(`The ${this.service} service is not configured`, { extensions: { service: this.service } });
    }
    const headers: Record<string, string> = { [SERVICE_TOKEN_HEADER]: await this.trust.serviceToken(this.service) };
    if (options.userToken) headers.authorization = `Bearer ${options.userToken}`;
    if (options.requestId) headers[REQUEST_ID_HEADER] = options.requestId;
    // Traced, the call gets a client span and its context from the instrumentation; otherwise the
    // caller's trace context is passed on as it came.
    if (options.traceparent && !trace.getActiveSpan()) headers.traceparent = options.traceparent;
    try {
      const answer = await this.#guard.breaker.execute(() => this.#send<T>(pool, method, path, options, headers));
      // No instance took the connection: the pool has marked them down and its checks bring them
      // back within a quarter second; as at the gateway, that is not the breaker's to count.
      if (answer === undefined) {
        throw commonErrors.SERVICE_UNAVAILABLE(`The ${this.service} service cannot be reached right now`, {
          extensions: { service: this.service },
          headers: { 'retry-after': '1' },
        });
      }
      return answer;
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw commonErrors.SERVICE_UNAVAILABLE(`The ${this.service} service is failing; calls to it are paused`, {
          extensions: { service: this.service },
          headers: { 'retry-after': '5' },
        });
      }
      // A 5xx goes back to the caller as the callee said it; only the breaker counted it.
      if (error instanceof UpstreamFailure && error.answer) return error.answer as ServiceResponse<T>;
      if (error instanceof UpstreamFailure) {
        throw commonErrors.BAD_GATEWAY(error.message, { extensions: { service: this.service } });
      }
      throw error;
    }
  }

  /** Healthy instances first, the less busy of two; when none is known healthy, every instance in turn. */
  #candidates(pool: ServicePool): Instance[] {
    const healthy = pool.instances.filter((i) => i.healthy);
    const first = pool.pick();
    if (!first) return [...pool.instances];
    return [first, ...healthy.filter((i) => i !== first)];
  }

  async #send<T>(
    pool: ServicePool,
    method: string,
    path: string,
    options: ServiceRequestOptions,
    credentials: Record<string, string>,
  ): Promise<ServiceResponse<T> | undefined> {
    for (const instance of this.#candidates(pool)) {
      let status: number;
      let text: string;
      instance.inflight++;
      instance.requests++;
      try {
        const response = await fetch(`${instance.url}${path}`, {
          method,
          headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers, ...credentials },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = response.status;
        // The body is read under the same timeout: a callee that stalls mid-answer is a 504 too.
        text = await response.text();
      } catch (error) {
        instance.failures++;
        if ((error as Error).name === 'TimeoutError') {
          throw commonErrors.GATEWAY_TIMEOUT(`The ${this.service} service did not answer in time`, { extensions: { service: this.service } });
        }
        const code = ((error as { cause?: { code?: string } }).cause ?? {}).code ?? '';
        if (NOT_CONNECTED.has(code)) {
          this.#source.markDown(pool, instance, `${code} on a call from a service`);
          continue;
        }
        throw new UpstreamFailure(`The ${this.service} service broke off its answer`);
      } finally {
        instance.inflight--;
      }
      instance.answered++;
      if (status >= 500) instance.failures++;
      let body: T;
      try {
        body = (text ? JSON.parse(text) : null) as T;
      } catch {
        throw new UpstreamFailure(`The ${this.service} service answered something that is not JSON`);
      }
      // As at the gateway, only answers that say the service is in trouble count against its breaker;
      // a 500 is one request's failure and goes back to the caller as it came.
      if (SERVICE_IN_TROUBLE.has(status)) throw new UpstreamFailure(`The ${this.service} service failed`, { status, body });
      return { status, body };
    }
    return undefined;
  }
}
