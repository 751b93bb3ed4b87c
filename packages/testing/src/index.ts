export { freePort } from '@microshop/kit';
export {
  createPostgresDatabase,
  POSTGRES_ADMIN_URL,
  postgresUnreachable,
  REQUIRE_INFRA,
  type TestDatabase,
  type TestEngine,
  tempDir,
  testEngines,
} from './engines.js';
export { type RunningProcess, startChild, waitForHttp, waitForShop } from './processes.js';
export { until } from './until.js';
export { NATS_SERVER_BIN, NATS_URL, natsUnreachable, startNatsServer } from './nats.js';
export { PROMETHEUS_BIN, PROMTOOL_BIN, prometheusMissing } from './prometheus.js';
export { PROCESSES, type TestTrust, type TestUser, testTrust, type TokenOptions } from './trust.js';
