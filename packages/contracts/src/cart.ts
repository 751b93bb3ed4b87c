import { type Static, Type } from 'typebox';
import { Cents, Currency, Id, MAX_CENTS } from './common.js';

export const CartItem = Type.Object(
  { productId: Id, name: Type.String(), quantity: Type.Integer({ minimum: 1, maximum: 99 }), unitPriceCents: Cents },
  { additionalProperties: false },
);
export type CartItem = Static<typeof CartItem>;

export const Cart = Type.Object(
  {
    items: Type.Array(CartItem),
    // Prices can rise after items were added, so a cart can stand over the ceiling; checkout refuses it.
    totalCents: Type.Integer({ minimum: 0, description: `Integer amount in cents; at most ${MAX_CENTS} unless prices rose after the items were added` }),
    currency: Currency,
  },
  { additionalProperties: false },
);
export type Cart = Static<typeof Cart>;

export const SetQuantityBody = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 99 }) }, { additionalProperties: false });

export const CartItemParams = Type.Object({ productId: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
