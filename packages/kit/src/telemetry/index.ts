export { startTelemetry, type Telemetry, type TelemetryOptions, telemetry } from './telemetry.js';
export { DEFAULT_TRACES_PER_SECOND, defaultSampler, OperationRateSampler, tracesPerSecond } from './sampler.js';
export { TRACE_STORE_PATH } from './store-exporter.js';
