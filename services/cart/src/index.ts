export { buildApp } from './app.js';
export { type CartConfig, loadCartConfig, SERVICE } from './config.js';
