import { defineErrors } from '@microshop/kit';

export const inventoryErrors = defineErrors({
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found' },
});
