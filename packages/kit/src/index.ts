export * from './config.js';
export { type App, BODY_LIMIT_BYTES, type CreateAppOptions, createApp } from './create-app.js';
export { installErrorHandling, sendProblem } from './error-handler.js';
export type { HealthState, LivenessOptions, ReadinessCheck } from './health.js';
export { escapeHtml } from './html.js';
export { bindTraceIds, loggerOptions } from './logger.js';
export { Counter, Gauge, Histogram, type Registry } from './metrics.js';
export { within } from './within.js';
export { freePort } from './ports.js';
export {
  commonErrors,
  defineErrors,
  type ErrorDefinition,
  type ErrorFactory,
  type FieldError,
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  type ProblemBody,
  problemType,
} from './problem.js';
export { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';
export { type RunOptions, runServer, startProcess } from './run.js';
export { acceptAnyQuery, createValidatorCompiler, fieldErrors } from './validation.js';
export { type Caller, type Role, requireAdmin, requireUser, traceContext, userFrom, type VerifiedUser } from './identity.js';
export * from './trust/index.js';
export { ServiceClient, type ServiceResponse } from './service-client.js';
export { type Canary, type Instance, recentP95, recordLatency, ServicePool, Upstreams } from './upstreams/pool.js';
export { CircuitState, type Guard, guardFor, RetryBudget } from './upstreams/resilience.js';
export { discoverUpstreams, followRunner, parseCanaries, parseUpstreamsMessage } from './upstreams/discovery.js';
