import { type Static, Type } from 'typebox';

/** RFC 9457 problem details, as every error response carries them. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true },
);
export type Problem = Static<typeof Problem>;

/** Ids are opaque strings: letters, digits, dash and underscore. */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code' });

/** The ceiling of every amount: a price, a cart total, an order total (1,000,000.00 in the shop currency). */
export const MAX_CENTS = 100_000_000;

/** An amount in words for messages: 150000000 cents of USD is `1500000.00 USD`. */
export const formatCents = (cents: number, currency: string): string => `${(cents / 100).toFixed(2)} ${currency}`;

export const Cents = Type.Integer({ minimum: 0, maximum: MAX_CENTS, description: 'Integer amount in cents' });
