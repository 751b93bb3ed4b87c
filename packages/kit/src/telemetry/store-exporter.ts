import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';

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

  constructor(private readonly url: string) {}

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
    // The batch processor exports with tracing suppressed: this request makes no span of its own.
    // undici's own request, not fetch: fetch's web streams, request cloning and abort signals were
    // most of what exporting cost a service (CPU profiles of a checkout, tracing on against off).
    const headers = { 'content-type': 'application/json', ...(await credentials()) };
    const response = await request(`${this.url}${TRACE_STORE_PATH}`, { method: 'POST', headers, body, headersTimeout: EXPORT_TIMEOUT_MS, bodyTimeout: EXPORT_TIMEOUT_MS }).catch(
      (error: Error & { code?: string }) => {
        // One short line (the SDK reports it), not undici's error with its socket and stack.
        throw new Error(`could not send spans to the trace store at ${this.url}: ${error.code ?? error.message}`);
      },
    );
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`the trace store answered ${response.statusCode}`);
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
  }

  async forceFlush(): Promise<void> {}
}
