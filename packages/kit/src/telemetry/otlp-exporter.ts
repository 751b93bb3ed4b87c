import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * The OTLP/HTTP exporter, loaded at its first export instead of at start: only processes told
 * of a collector (OTEL_EXPORTER_OTLP_ENDPOINT) use it, and loading it and its transport was a few
 * per cent of every process's start-up CPU. It reads its settings from the OTEL_* variables then.
 */
export class DeferredOtlpExporter implements SpanExporter {
  #exporter: Promise<SpanExporter> | undefined;

  #load(): Promise<SpanExporter> {
    this.#exporter ??= import('@opentelemetry/exporter-trace-otlp-http').then((module) => {
      // A CommonJS package: bundled, its exports arrive as the default export.
      const { OTLPTraceExporter } = typeof module.OTLPTraceExporter === 'function' ? module : module.default;
      return new OTLPTraceExporter();
    });
    return this.#exporter;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#load().then(
      (exporter) => exporter.export(spans, resultCallback),
      (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  async shutdown(): Promise<void> {
    if (this.#exporter) await (await this.#exporter).shutdown();
  }

  async forceFlush(): Promise<void> {
    if (this.#exporter) await (await this.#exporter).forceFlush?.();
  }
}
