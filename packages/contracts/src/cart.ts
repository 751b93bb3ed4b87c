import { type Static, Type } from 'typebox';
import { Cents, Currency, Id } from './common.js';

export const CartItem = Type.Object(
  { productId: Id, name: Type.String(), quantity: Type.Integer({ minimum: 1, maximum: 99 }), unitPriceCents: Cents },
  { additionalProperties: false },
);
export type CartItem = Static<typeof CartItem>;

export const Cart = Type.Object({ items: Type.Array(CartItem), totalCents: Cents, currency: Currency }, { additionalProperties: false });
export type Cart = Static<typeof Cart>;

export const SetQuantityBody = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 99 }) }, { additionalProperties: false });

export const CartItemParams = Type.Object({ productId: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
