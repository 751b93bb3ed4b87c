export { buildApp } from './app.js';
export { type InventoryConfig, loadInventoryConfig, SERVICE } from './config.js';
