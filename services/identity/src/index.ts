export { buildApp } from './app.js';
export { type IdentityConfig, loadIdentityConfig, SERVICE } from './config.js';
