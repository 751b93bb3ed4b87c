import { defineErrors } from '@microshop/kit';

export const orderErrors = defineErrors({
  ORDER_NOT_FOUND: { status: 404, title: 'Order not found' },
  EMPTY_CART: { status: 422, title: 'The cart is empty' },
  TOTAL_TOO_HIGH: { status: 422, title: 'The cart total exceeds the limit' },
  WRONG_CURRENCY: { status: 422, title: 'The cart is in another currency than the shop' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'That Idempotency-Key was used for a different order' },
  MISSING_IDEMPOTENCY_KEY: { status: 400, title: 'The request is not valid' },
  INVALID_CARD: { status: 400, title: 'The card details are not valid' },
});
