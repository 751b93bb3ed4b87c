/**
 * The kit's second, deliberately small entry (`@microshop/kit/light`): configuration and ports
 * only, for processes such as the local runner that must not load Fastify and its plugins.
 */
export * from './config.js';
export { freePort, PORT_IN_USE_EXIT_CODE } from './ports.js';
export { ensureLocalKeys, type LocalKeys } from './trust/local-keys.js';
