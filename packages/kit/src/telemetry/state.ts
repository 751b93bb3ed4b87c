/**
 * The process's telemetry, as `startTelemetry` left it. Kept apart from the SDK so that what only
 * asks (the app's hooks, the runner's shutdown) loads none of it.
 */
import type { Context } from '@opentelemetry/api';

export interface Telemetry {
  readonly enabled: boolean;
  /**
   * Where a request entering at the edge decides its sampling before any span exists: the context
   * to start its span in, or undefined when it is not to be recorded (under the default sampler,
   * the operation is over its rate). With a standard sampler (OTEL_TRACES_SAMPLER) it is always
   * `parent`, and the SDK decides.
   */
  admit(operation: string, parent: Context): Context | undefined;
  /** Gives the built-in store's exporter the headers that prove who is sending. */
  useCredentials(source: () => Promise<Record<string, string>>): void;
  /** Sends what is still buffered; at most `timeoutMs`. */
  shutdown(timeoutMs?: number): Promise<void>;
}

let current: Telemetry | undefined;

/** The process's telemetry, once `startTelemetry` ran (undefined in tests that build apps directly). */
export function telemetry(): Telemetry | undefined {
  return current;
}

export function setTelemetry(value: Telemetry): Telemetry {
  current = value;
  return value;
}
