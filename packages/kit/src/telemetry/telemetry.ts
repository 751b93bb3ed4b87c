import { diag, type DiagLogger, DiagLogLevel } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { ADMITTED, defaultSampler, OperationRateSampler, tracesPerSecond } from './sampler.js';
import { setTelemetry, type Telemetry, telemetry } from './state.js';
import { TraceStoreExporter } from './store-exporter.js';
import { DeferredOtlpExporter } from './otlp-exporter.js';
import { RecordedContextManager } from './recorded-context.js';
import { SyncContextManager } from './sync-context.js';

export interface TelemetryOptions {
  service: string;
  /** Default: MICROSHOP_INSTANCE_ID, else `<service>-<pid>` (what the service's config decides too). */
  instanceId?: string;
  version?: string;
  /** Where this process's spans go in-process (the gateway keeps the built-in store itself). */
  local?: SpanProcessor;
  /**
   * Follow a recorded span across asynchronous calls (AsyncLocalStorage while one is open, see
   * recorded-context.ts; default true). The gateway says false and passes its spans by hand: see
   * sync-context.ts.
   */
  asyncContext?: boolean;
  /**
   * This process is where clients' requests enter (the gateway): a client's sampling flag is not
   * obeyed there (sampler.ts). Default false.
   */
  edge?: boolean;
  /**
   * Client spans for every undici and fetch call made in a recorded context (default true). The
   * gateway says false: its proxy passes a `traceparent` itself, and the instrumentation's
   * diagnostics-channel handlers ran for every proxied request only to be told to ignore it; its one
   * traced fan-out (fetch-part.ts) makes its client spans itself.
   */
  clientSpans?: boolean;
  env?: NodeJS.ProcessEnv;
}

export type { Telemetry };
export { telemetry };

/** An outgoing request that already carries a trace context was traced by its sender (the gateway's proxy). */
function carriesTraceparent(headers: unknown): boolean {
  if (typeof headers === 'string') return /(^|\r\n)traceparent:/i.test(headers);
  if (!Array.isArray(headers)) return false;
  // Called for every outgoing request (the gateway's proxied ones included): names are compared
  // by length first, and lower-cased only when it matches.
  for (let i = 0; i < headers.length; i += 2) {
    const name: unknown = headers[i];
    if (typeof name === 'string' ? name.length === 11 && name.toLowerCase() === 'traceparent' : String(name).toLowerCase() === 'traceparent') return true;
  }
  return false;
}

const DISABLED: Telemetry = { enabled: false, admit: () => undefined, useCredentials: () => {}, shutdown: async () => {} };

/** When each complaint was last written: an unreachable store is said once a minute, not twice a second. */
const said = new Map<string, number>();
function complain(text: string): void {
  const message = briefly(text);
  const now = Date.now();
  const key = message.slice(0, 120);
  if (now - (said.get(key) ?? -Infinity) < 60_000) return;
  said.set(key, now);
  if (said.size > 100) said.clear();
  process.stderr.write(`telemetry: ${message}\n`);
}

/** The SDK reports a failed export as the error in JSON, stack and all: its message is what says something. */
function briefly(text: string): string {
  if (!text.startsWith('{')) return text;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : text;
  } catch {
    return text;
  }
}

/** The SDK's own complaints (an export that failed) reach stderr as one short line, never a stack per span. */
const diagnostics: DiagLogger = {
  error: (message) => complain(message),
  warn: (message) => complain(message),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};

/**
 * OpenTelemetry for one process (SPEC §5b), started before the app is built: the app makes a
 * server span per request (server-spans.ts); client spans for undici and fetch; the messaging
 * and database statement spans (SQLite and PostgreSQL) come from those packages through the API.
 * Spans go to the built-in store (the gateway's, at MICROSHOP_TRACE_STORE_URL, or `local` in the gateway itself) and, with
 * OTEL_EXPORTER_OTLP_ENDPOINT, to any OTLP/HTTP collector as well. Unless OTEL_TRACES_SAMPLER(_ARG)
 * pick a standard sampler, each operation starts at most MICROSHOP_TRACES_PER_SECOND (0.25) sampled
 * traces a second (sampler.ts); OTEL_SDK_DISABLED=true turns it all off.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const started = telemetry();
  if (started) return started;
  const env = options.env ?? process.env;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return setTelemetry(DISABLED);
  diag.setLogger(diagnostics, DiagLogLevel.WARN);
  const instanceId = options.instanceId ?? env.MICROSHOP_INSTANCE_ID ?? `${options.service}-${process.pid}`;

  // The services follow a recorded span across awaits, and nothing else (recorded-context.ts).
  const contextManager = options.asyncContext === false ? new SyncContextManager() : new RecordedContextManager();
  const processors: SpanProcessor[] = contextManager instanceof RecordedContextManager ? [contextManager.processor] : [];
  if (options.local) processors.push(options.local);
  let store: TraceStoreExporter | undefined;
  const storeUrl = env.MICROSHOP_TRACE_STORE_URL;
  if (storeUrl && !options.local) {
    store = new TraceStoreExporter(storeUrl.replace(/\/+$/, ''));
    // Exports of at most 128 spans (about 100 KB): the gateway reads each between its requests
    // without holding them up for long.
    const batching = { scheduledDelayMillis: 500, maxExportBatchSize: 128, maxQueueSize: 16_384, exportTimeoutMillis: 15_000 };
    processors.push(new BatchSpanProcessor(store, batching));
  }
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    // The exporter reads its endpoint, headers, timeout and compression from the OTEL_* variables.
    processors.push(new BatchSpanProcessor(new DeferredOtlpExporter()));
  }

  // OTEL_TRACES_SAMPLER, when set, picks one of the standard samplers instead (the SDK reads it).
  const limiter = env.OTEL_TRACES_SAMPLER ? undefined : new OperationRateSampler(tracesPerSecond(env.MICROSHOP_TRACES_PER_SECOND));
  const provider = new NodeTracerProvider({
    // The environment's resource (OTEL_RESOURCE_ATTRIBUTES) first: the service's name and instance
    // are Microshop's to say, since the store believes a service only about itself.
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(
        resourceFromAttributes({
          [ATTR_SERVICE_NAME]: options.service,
          [ATTR_SERVICE_VERSION]: options.version ?? env.MICROSHOP_VERSION ?? '0.1.0',
          'service.instance.id': instanceId,
          'service.namespace': 'microshop',
        }),
      ),
    spanProcessors: processors,
    ...(limiter ? { sampler: defaultSampler(limiter, options.edge === true) } : {}),
  });
  provider.register({ contextManager });

  if (options.clientSpans !== false) {
    registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [
        new UndiciInstrumentation({
          // Calls made outside any request or event (health checks, the relay) start no trace.
          requireParentforSpans: true,
          ignoreRequestHook: (request) => carriesTraceparent(request.headers),
          requestHook: (span, request) => {
            span.updateName(`${request.method} ${request.path.split('?', 1)[0] ?? request.path}`);
            span.setAttribute('url.full', `${request.origin}${request.path.split('?', 1)[0] ?? ''}`);
          },
        }),
      ],
    });
  }

  return setTelemetry({
    enabled: true,
    admit: limiter ? (operation, parent) => (limiter.take(operation) ? parent.setValue(ADMITTED, true) : undefined) : (_operation, parent) => parent,
    useCredentials: (source) => store?.useCredentials(source),
    shutdown: async (timeoutMs = 2_000) => {
      const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([provider.shutdown().catch(() => {}), timer]);
    },
  });
}
