import { defineErrors } from '@microshop/kit';

export const shippingErrors = defineErrors({
  DELIVERY_NOT_FOUND: { status: 404, title: 'Delivery not found' },
});
