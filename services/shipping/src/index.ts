export { buildApp } from './app.js';
export { loadShippingConfig, SERVICE, type ShippingConfig } from './config.js';
