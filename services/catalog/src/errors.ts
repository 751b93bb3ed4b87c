import { defineErrors } from '@microshop/kit';

/** The catalog's error catalog: stable codes clients can rely on. */
export const catalogErrors = defineErrors({
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found' },
  INVALID_CURSOR: { status: 400, title: 'The request is not valid' },
});
