import { type Static, Type } from 'typebox';
import { CardInput } from './payments.js';
import { Cents, Currency, Id } from './common.js';

export const OrderStatus = Type.Union([
  Type.Literal('PENDING'),
  Type.Literal('CONFIRMED'),
  Type.Literal('SHIPPED'),
  Type.Literal('DELIVERED'),
  Type.Literal('CANCELLED'),
]);
export type OrderStatus = Static<typeof OrderStatus>;

/** Why an order was cancelled: no stock, a declined card, or no outcome within ORDERS_SETTLE_TIMEOUT_MS. */
export const CancellationReason = Type.Union([Type.Literal('OUT_OF_STOCK'), Type.Literal('PAYMENT_DECLINED'), Type.Literal('TIMED_OUT')]);
export type CancellationReason = Static<typeof CancellationReason>;

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });

export const ShippingAddress = Type.Object(
  { name: Text(200), line1: Text(200), city: Text(100), postalCode: Text(20), country: Text(60) },
  { additionalProperties: false },
);

export const PlaceOrderBody = Type.Object({ shippingAddress: ShippingAddress, payment: CardInput }, { additionalProperties: false });
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const OrderItem = Type.Object(
  { productId: Id, name: Type.String(), quantity: Type.Integer({ minimum: 1 }), unitPriceCents: Cents },
  { additionalProperties: false },
);

export const Order = Type.Object(
  {
    id: Id,
    status: OrderStatus,
    items: Type.Array(OrderItem),
    totalCents: Cents,
    currency: Currency,
    shippingAddress: ShippingAddress,
    createdAt: Type.String(),
    updatedAt: Type.String(),
    cancellationReason: Type.Optional(CancellationReason),
    history: Type.Array(Type.Object({ status: OrderStatus, at: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type Order = Static<typeof Order>;

export const OrderList = Type.Object({ items: Type.Array(Order) });
export const OrderParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
