export { type BusLogger, type Emit, EventBus, type EventBusOptions, type EventHandler } from './bus.js';
export { createTransport, type TransportConfig } from './create-transport.js';
export { EmbeddedTransport, type EmbeddedOptions } from './embedded/embedded-transport.js';
export { type CloudEvent, createEvent, MalformedEventError, parseEvent, validateEvent } from './envelope.js';
export { handleOnce } from './inbox.js';
export type { NatsOptions, NatsTransport } from './nats/nats-transport.js';
export { enqueue, OutboxRelay } from './outbox.js';
export { createMessagingTables, type InboxTable, type MessagingTables, type OutboxTable } from './tables.js';
export { type ConsumeOptions, type DeadLetter, type IncomingMessage, PartialPublishError, type Subscription, type Transport, UnknownDeadLetterError } from './transport.js';
