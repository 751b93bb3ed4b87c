import { defineErrors } from '@microshop/kit';

/** The catalog's error catalog: stable codes clients can rely on. */
export const catalogErrors = defineErrors({
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found' },
  PRODUCT_EXISTS: { status: 409, title: 'The product exists already' },
  SKU_TAKEN: { status: 409, title: 'The SKU is taken' },
  UNKNOWN_CATEGORY: { status: 400, title: 'The request is not valid' },
  INVALID_CURSOR: { status: 400, title: 'The request is not valid' },
  WRONG_CURRENCY: { status: 400, title: 'The request is not valid' },
});
