export { buildGateway } from './app.js';
export { type GatewayConfig, loadGatewayConfig, parseUpstreams } from './config.js';
export { ROUTE_TABLE, SERVICES, serviceFor } from './route-table.js';
