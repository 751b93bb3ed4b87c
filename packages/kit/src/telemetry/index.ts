export { startTelemetry, type Telemetry, type TelemetryOptions, telemetry } from './telemetry.js';
export { TRACE_STORE_PATH } from './store-exporter.js';
export { whenAbandoned } from './server-spans.js';
