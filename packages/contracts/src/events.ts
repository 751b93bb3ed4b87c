import { type Static, type TSchema, Type } from 'typebox';
import { Cents, Currency, Id } from './common.js';
import { Product } from './catalog.js';

/**
 * Every event type that crosses a service boundary (SPEC §6), with the schema of its `data`.
 * Publishers and consumers import these; a message that does not match is dead-lettered.
 */
const LineItem = Type.Object(
  { productId: Id, quantity: Type.Integer({ minimum: 1, maximum: 99 }), unitPriceCents: Cents },
  { additionalProperties: false },
);
const OrderRef = { orderId: Id, userId: Id };

export const eventSchemas = {
  'catalog.product.upserted': Type.Object({ product: Product }, { additionalProperties: false }),
  'catalog.product.deleted': Type.Object({ productId: Id }, { additionalProperties: false }),
  'identity.user.registered': Type.Object(
    { userId: Id, email: Type.String({ maxLength: 320 }), name: Type.String({ maxLength: 200 }) },
    { additionalProperties: false },
  ),
  'orders.order.placed': Type.Object(
    {
      ...OrderRef,
      items: Type.Array(LineItem, { minItems: 1 }),
      totalCents: Cents,
      currency: Currency,
      /** The card payments tokenized at checkout; the card number itself never travels. */
      paymentMethodId: Id,
    },
    { additionalProperties: false },
  ),
  // Carries what payments needs to capture, so capture never waits for orders.order.placed.
  'inventory.stock.reserved': Type.Object(
    { ...OrderRef, totalCents: Cents, currency: Currency, paymentMethodId: Id },
    { additionalProperties: false },
  ),
  'inventory.stock.rejected': Type.Object({ ...OrderRef, productIds: Type.Array(Id) }, { additionalProperties: false }),
  'payments.payment.succeeded': Type.Object({ ...OrderRef, paymentId: Id, amountCents: Cents, currency: Currency }, { additionalProperties: false }),
  'payments.payment.failed': Type.Object({ ...OrderRef, paymentId: Id, reason: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
  'orders.order.confirmed': Type.Object({ ...OrderRef, totalCents: Cents, currency: Currency }, { additionalProperties: false }),
  'orders.order.cancelled': Type.Object(
    { ...OrderRef, reason: Type.Union([Type.Literal('OUT_OF_STOCK'), Type.Literal('PAYMENT_DECLINED'), Type.Literal('TIMED_OUT')]) },
    { additionalProperties: false },
  ),
  'shipping.delivery.departed': Type.Object({ ...OrderRef, droneId: Id, eta: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
  'shipping.delivery.arrived': Type.Object({ ...OrderRef, droneId: Id }, { additionalProperties: false }),
} satisfies Record<string, TSchema>;

export type EventType = keyof typeof eventSchemas;
export type EventData<K extends EventType> = Static<(typeof eventSchemas)[K]>;
export const EVENT_TYPES = Object.keys(eventSchemas) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}

/** The CloudEvents 1.0 envelope every event travels in (JSON format, W3C traceparent extension). */
export const CloudEventEnvelope = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({ minLength: 1, maxLength: 128 }),
    source: Type.String({ minLength: 1, maxLength: 256 }),
    type: Type.String({ minLength: 1, maxLength: 128 }),
    time: Type.String({ format: 'date-time' }),
    subject: Type.String({ minLength: 1, maxLength: 256 }),
    datacontenttype: Type.Optional(Type.Literal('application/json')),
    traceparent: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' })),
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);
