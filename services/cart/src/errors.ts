import { defineErrors } from '@microshop/kit';

export const cartErrors = defineErrors({
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found' },
  PRODUCT_IN_OTHER_CURRENCY: { status: 422, title: 'The product is priced in another currency' },
  TOTAL_TOO_HIGH: { status: 422, title: 'The cart total exceeds the limit' },
});
