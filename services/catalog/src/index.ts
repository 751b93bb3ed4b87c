export { buildApp } from './app.js';
export { type CatalogConfig, loadCatalogConfig, SERVICE } from './config.js';
