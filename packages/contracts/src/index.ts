export * as cart from './cart.js';
export * as catalog from './catalog.js';
export * as identity from './identity.js';
export * as inventory from './inventory.js';
export { TOKEN_AUDIENCE, TOKEN_ISSUER } from './identity.js';
export { Cents, Currency, Id, Problem } from './common.js';
export { CloudEventEnvelope, EVENT_TYPES, type EventData, type EventType, eventSchemas, isEventType } from './events.js';
