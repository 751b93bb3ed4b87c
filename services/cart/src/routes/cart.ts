import { cart, formatCents as amount, MAX_CENTS, Problem } from '@microshop/contracts';
import { type App, requireUser } from '@microshop/kit';
import { Type } from 'typebox';
import type { CartRepository } from '../data/cart-repository.js';
import { overCeiling, summarize, totalOf, withLine } from '../domain/cart.js';
import { cartErrors } from '../errors.js';

const security = [{ bearerAuth: [] }];

/** `currency` is the shop's: the only one a cart is in. */
export function cartRoutes(app: App, carts: CartRepository, currency: string): void {
  app.get(
    '/api/cart',
    { config: { access: 'user' }, schema: { summary: 'The signed-in user’s cart', tags: ['cart'], security, response: { 200: cart.Cart, 401: Problem } } },
    async (request) => summarize(await carts.lines(requireUser(request).id), currency),
  );

  app.put(
    '/api/cart/items/:productId',
    {
      config: { access: 'user' },
      schema: {
        summary: 'Set how many of a product are in the cart',
        tags: ['cart'],
        security,
        params: cart.CartItemParams,
        body: cart.SetQuantityBody,
        response: { 200: cart.Cart, 400: Problem, 401: Problem, 404: Problem, 422: Problem },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { productId } = request.params;
      const { quantity } = request.body;
      const product = await carts.product(productId);
      if (!product) throw cartErrors.PRODUCT_NOT_FOUND(`There is no product with id ${productId}`);
      // 422, not 400: the request is well formed; it is the product that cannot be sold in this shop's currency.
      if (product.currency !== currency) {
        throw cartErrors.PRODUCT_IN_OTHER_CURRENCY(`Product ${productId} is priced in ${product.currency}; this shop sells in ${currency} only`, {
          errors: [{ path: 'params.productId', message: `is priced in ${product.currency}, not ${currency}` }],
        });
      }
      const lines = await carts.lines(user.id);
      const after = totalOf(withLine(lines, { productId, name: product.name, quantity, unitPriceCents: product.priceCents, currency }));
      if (overCeiling(totalOf(lines), after)) {
        throw cartErrors.TOTAL_TOO_HIGH(
          `A cart may total at most ${amount(MAX_CENTS, currency)} (${MAX_CENTS} cents); with this quantity it would total ${amount(after, currency)}`,
          { errors: [{ path: 'quantity', message: `would take the cart total over ${MAX_CENTS} cents` }] },
        );
      }
      await carts.setQuantity(user.id, productId, quantity);
      return summarize(await carts.lines(user.id), currency);
    },
  );

  app.delete(
    '/api/cart/items/:productId',
    {
      config: { access: 'user' },
      schema: {
        summary: 'Take a product out of the cart',
        tags: ['cart'],
        security,
        params: cart.CartItemParams,
        response: { 200: cart.Cart, 401: Problem },
      },
    },
    async (request) => {
      const user = requireUser(request);
      await carts.remove(user.id, request.params.productId);
      return summarize(await carts.lines(user.id), currency);
    },
  );

  app.delete(
    '/api/cart',
    { config: { access: 'user' }, schema: { summary: 'Empty the cart', tags: ['cart'], security, response: { 204: Type.Null({ description: 'Emptied' }), 401: Problem } } },
    async (request, reply) => {
      await carts.clear(requireUser(request).id);
      return reply.code(204).send(null);
    },
  );
}
