export { buildApp } from './app.js';
export { loadPaymentsConfig, type PaymentsConfig, SERVICE } from './config.js';
export { passesLuhn } from './domain/card.js';
