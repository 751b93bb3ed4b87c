import { randomUUID } from 'node:crypto';
import { CloudEventEnvelope, type EventData, type EventType, eventSchemas, isEventType } from '@microshop/contracts';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A CloudEvents 1.0 event in JSON form. */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype?: 'application/json';
  traceparent?: string;
  data: T;
}

/** Why a message is not an event this system understands; it is dead-lettered, never retried. */
export class MalformedEventError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedEventError';
  }
}

// Compiled when first needed: a process handles a few of the event types, and compiling them all
// at start cost every process a few per cent of its start-up CPU.
let ajv: Ajv | undefined;
const compile = (schema: object): ValidateFunction =>
  (ajv ??= addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false, removeAdditional: false }))).compile(schema);
let envelope: ValidateFunction | undefined;
const dataValidators = new Map<string, ValidateFunction>();

function dataValidator(type: string): ValidateFunction | undefined {
  let validate = dataValidators.get(type);
  if (validate === undefined && isEventType(type)) {
    validate = compile(eventSchemas[type]);
    dataValidators.set(type, validate);
  }
  return validate;
}

function describe(validate: ValidateFunction, where: string): string {
  return (validate.errors ?? []).map((e) => `${where}${e.instancePath || ''} ${e.message ?? 'is invalid'}`).join('; ');
}

/** Checks the envelope and the data against the type's contract; throws MalformedEventError. */
export function validateEvent(value: unknown): CloudEvent {
  const envelopeValidator = (envelope ??= compile(CloudEventEnvelope));
  if (!envelopeValidator(value)) throw new MalformedEventError(`invalid envelope: ${describe(envelopeValidator, 'event')}`);
  const event = value as CloudEvent;
  const validateData = dataValidator(event.type);
  if (!validateData) throw new MalformedEventError(`unknown event type ${JSON.stringify(event.type)}`);
  if (!validateData(event.data)) throw new MalformedEventError(`invalid data for ${event.type}: ${describe(validateData, 'data')}`);
  return event;
}

/** Parses and validates a message body. */
export function parseEvent(body: string): CloudEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MalformedEventError('body is not JSON');
  }
  return validateEvent(value);
}

/** A new event of a known type, validated before it can be written anywhere. */
export function createEvent<K extends EventType>(
  source: string,
  type: K,
  subject: string,
  data: EventData<K>,
  options: { traceparent?: string | undefined; id?: string; time?: Date } = {},
): CloudEvent<EventData<K>> {
  if (!isEventType(type)) throw new MalformedEventError(`unknown event type ${JSON.stringify(type)}`);
  const event: CloudEvent<EventData<K>> = {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source,
    type,
    time: (options.time ?? new Date()).toISOString(),
    subject,
    datacontenttype: 'application/json',
    data,
  };
  if (options.traceparent) event.traceparent = options.traceparent;
  validateEvent(event);
  return event;
}
