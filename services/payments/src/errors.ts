import { defineErrors } from '@microshop/kit';

export const paymentErrors = defineErrors({
  INVALID_CARD: { status: 400, title: 'The card details are not valid' },
  PAYMENT_METHOD_NOT_FOUND: { status: 404, title: 'Payment method not found' },
});
