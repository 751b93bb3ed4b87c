import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import * as http from 'node:http';
import * as https from 'node:https';

/** The path of the built-in store's OTLP/HTTP receiver (JSON), under the gateway. */
export const TRACE_STORE_PATH = '/internal/otlp/v1/traces';

/** How long an export waits for the process's credentials before giving up on its spans. */
const CREDENTIALS_WAIT_MS = 10_000;
const EXPORT_TIMEOUT_MS = 5_000;

/**
 * Sends spans to the built-in trace store as OTLP/HTTP JSON, with this service's credential (the
 * store believes only services, each about its own spans). The credentials come from the app
 * once it has its trust bundle; spans ended before that wait for them.
 */
export class TraceStoreExporter implements SpanExporter {
  #credentials: (() => Promise<Record<string, string>>) | undefined;
  #waiting: Array<() => void> = [];
  #stopped = false;
  readonly #client: typeof http | typeof https;
  readonly #agent: http.Agent;

  constructor(private readonly url: string) {
    this.#client = url.startsWith('https:') ? https : http;
    this.#agent = new this.#client.Agent({ keepAlive: true, maxSockets: 2 });
  }

  useCredentials(source: () => Promise<Record<string, string>>): void {
    this.#credentials = source;
    for (const wake of this.#waiting.splice(0)) wake();
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#send(spans).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  async #send(spans: ReadableSpan[]): Promise<void> {
    if (this.#stopped) throw new Error('the exporter is shut down');
    const credentials = await this.#awaitCredentials();
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) throw new Error('the spans could not be serialized');
    // The batch processor exports with tracing suppressed, and node's HTTP client is not
    // instrumented: this request makes no span of its own.
    const headers = { 'content-type': 'application/json', ...(await credentials()) };
    const status = await this.#post(body, headers);
    if (status < 200 || status > 299) throw new Error(`the trace store answered ${status}`);
  }

  /**
   * One POST on a kept-alive connection of node's own HTTP client, not undici's request or fetch:
   * a service exports about once a second, too seldom for their JavaScript to run hot.
   */
  #post(body: Uint8Array, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const fail = (error: Error & { code?: string }) =>
        // One short line (the SDK reports it), not the socket's error with its stack.
        reject(new Error(`could not send spans to the trace store at ${this.url}: ${error.code ?? error.message}`));
      const sent = this.#client.request(
        `${this.url}${TRACE_STORE_PATH}`,
        { method: 'POST', agent: this.#agent, headers: { ...headers, 'content-length': String(body.byteLength) }, timeout: EXPORT_TIMEOUT_MS },
        (response) => {
          response.resume();
          response.once('end', () => resolve(response.statusCode ?? 0));
          response.once('error', fail);
        },
      );
      sent.once('timeout', () => sent.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      sent.once('error', fail);
      sent.end(body);
    });
  }

  #awaitCredentials(): Promise<() => Promise<Record<string, string>>> {
    if (this.#credentials) return Promise.resolve(this.#credentials);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = this.#waiting.filter((w) => w !== wake);
        reject(new Error('no credentials for the trace store yet'));
      }, CREDENTIALS_WAIT_MS);
      timer.unref();
      const wake = () => {
        clearTimeout(timer);
        resolve(this.#credentials as () => Promise<Record<string, string>>);
      };
      this.#waiting.push(wake);
    });
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    this.#agent.destroy();
  }

  async forceFlush(): Promise<void> {}
}
