import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';

export interface UpstreamAgentOptions {
  upstreamTimeoutMs: number;
  connectTimeoutMs: number;
}

/** The gateway's connections to the services: kept alive, at most 128 to an instance, one request at a time on each. */
export function upstreamAgent(options: UpstreamAgentOptions): Agent {
  return new Agent({
    connections: 128,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.upstreamTimeoutMs,
    bodyTimeout: options.upstreamTimeoutMs,
    connect: { timeout: options.connectTimeoutMs },
  });
}

/** What the proxy does with each stage of one exchange with a service. */
export interface ExchangeListener {
  /** The service's status and headers, before any of its body. Return `true` to have the body streamed, else it is read whole. */
  onStart(status: number, headers: IncomingHttpHeaders): boolean;
  /** The body: whole once it has all come, or as a stream right after `onStart` asked for one. */
  onBody(body: Buffer | Readable): void;
  /** No answer: no connection, a broken one, a timeout (`started` says whether the headers had come). */
  onError(error: Error, started: boolean): void;
}

/**
 * One request to a service through undici's dispatcher, without the generic layers on top (a
 * request object, a body stream per answer, header copies): the answer's headers and body go
 * straight to the listener. A body is read whole, or streamed with backpressure when the
 * listener asks for that (a large one).
 */
class Exchange implements Dispatcher.DispatchHandler {
  #chunks: Buffer[] = [];
  #stream: Readable | undefined;
  #started = false;
  #ended = false;

  constructor(private readonly listener: ExchangeListener) {}

  /** Nothing to do here; but undici takes a handler without this method for one of its older, deprecated interface. */
  onRequestStart(): void {}

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return;
    this.#started = true;
    if (this.listener.onStart(status, headers)) {
      this.#stream = new Readable({
        read: () => controller.resume(),
        // The client went away (the reply destroyed the stream): the service's connection is closed
        // rather than left paused until its body timeout.
        destroy: (error, callback) => {
          if (!this.#ended && !controller.aborted) controller.abort(error ?? new Error('the client went away'));
          callback(error);
        },
      });
      this.listener.onBody(this.#stream);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#stream) {
      if (!this.#stream.push(chunk)) controller.pause();
    } else {
      this.#chunks.push(chunk);
    }
  }

  onResponseEnd(): void {
    this.#ended = true;
    if (this.#stream) {
      this.#stream.push(null);
      return;
    }
    const chunks = this.#chunks;
    this.listener.onBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#ended = true;
    if (this.#stream) {
      this.#stream.destroy(error);
      return;
    }
    this.listener.onError(error, this.#started);
  }
}

export interface ExchangeRequest {
  origin: string;
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body?: Buffer;
}

/** Sends one request; the listener hears how it goes (undici reports a request it refuses to `onResponseError` too). */
export function exchange(agent: Agent, request: ExchangeRequest, listener: ExchangeListener): void {
  agent.dispatch(
    {
      origin: request.origin,
      path: request.path,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers as Record<string, string | string[]>,
      body: request.body ?? null,
    },
    new Exchange(listener),
  );
}
