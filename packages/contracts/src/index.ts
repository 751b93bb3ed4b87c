export * as catalog from './catalog.js';
export { Cents, Currency, Id, Problem } from './common.js';
