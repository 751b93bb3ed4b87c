export { buildApp } from './app.js';
export { loadPaymentsConfig, type PaymentsConfig, SERVICE } from './config.js';
export { passesLuhn } from './domain/card.js';
export { type ChargeResult, type Ledger, MemoryLedger, type PaymentProvider, SimulatedProvider } from './domain/provider.js';
