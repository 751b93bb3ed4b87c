import { type Static, Type } from 'typebox';
import { Cents, Currency, Id } from './common.js';

/** Card details as a shopper types them; only payments ever sees the number, and keeps 4 digits. */
export const CardInput = Type.Object(
  {
    cardNumber: Type.String({ pattern: '^[0-9]{12,19}$', description: 'Digits only' }),
    expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
    expYear: Type.Integer({ minimum: 2000, maximum: 2100 }),
    cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
  },
  { additionalProperties: false },
);
export type CardInput = Static<typeof CardInput>;

/** A tokenized card: what orders keeps and passes on instead of the number. */
export const PaymentMethod = Type.Object(
  { paymentMethodId: Id, brand: Type.String(), last4: Type.String() },
  { additionalProperties: false },
);
export type PaymentMethod = Static<typeof PaymentMethod>;

export const Payment = Type.Object(
  {
    id: Id,
    orderId: Id,
    // CAPTURING and REFUNDING: the provider has been asked and its answer is not recorded yet.
    status: Type.Union([
      Type.Literal('PENDING'),
      Type.Literal('CAPTURING'),
      Type.Literal('CAPTURED'),
      Type.Literal('FAILED'),
      Type.Literal('REFUNDING'),
      Type.Literal('REFUNDED'),
    ]),
    amountCents: Cents,
    currency: Currency,
    cardBrand: Type.String(),
    cardLast4: Type.String(),
  },
  { additionalProperties: false },
);
export type Payment = Static<typeof Payment>;

export const PaymentList = Type.Object({ items: Type.Array(Payment) });
export const PaymentQuery = Type.Object({ orderId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
