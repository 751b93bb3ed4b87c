import { cart, Problem } from '@microshop/contracts';
import { type App, requireUser } from '@microshop/kit';
import { Type } from 'typebox';
import type { CartRepository } from '../data/cart-repository.js';
import { summarize } from '../domain/cart.js';
import { cartErrors } from '../errors.js';

const security = [{ bearerAuth: [] }];

export function cartRoutes(app: App, carts: CartRepository): void {
  app.get(
    '/api/cart',
    { config: { access: 'user' }, schema: { summary: 'The signed-in user’s cart', tags: ['cart'], security, response: { 200: cart.Cart, 401: Problem } } },
    async (request) => summarize(await carts.lines(requireUser(request).id)),
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
        response: { 200: cart.Cart, 400: Problem, 401: Problem, 404: Problem },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { productId } = request.params;
      if (!(await carts.hasProduct(productId))) throw cartErrors.PRODUCT_NOT_FOUND(`There is no product with id ${productId}`);
      await carts.setQuantity(user.id, productId, request.body.quantity);
      return summarize(await carts.lines(user.id));
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
      return summarize(await carts.lines(user.id));
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
