export { buildApp } from './app.js';
export { loadOrdersConfig, type OrdersConfig, SERVICE } from './config.js';
