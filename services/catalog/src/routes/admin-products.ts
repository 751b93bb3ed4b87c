import { catalog, Problem } from '@microshop/contracts';
import { type App, requireAdmin, traceContext } from '@microshop/kit';
import { Type } from 'typebox';
import type { ProductWrites } from '../events/product-writes.js';
import { catalogErrors } from '../errors.js';

const security = [{ bearerAuth: [] }];

/** Admin writes; each commits with its catalog.product.* event. */
export function adminProductRoutes(app: App, writes: ProductWrites): void {
  app.post(
    '/api/products',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Create a product (admin)',
        tags: ['catalog'],
        security,
        body: catalog.ProductInput,
        response: { 201: catalog.Product, 400: Problem, 401: Problem, 403: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      return reply.code(201).send(await writes.create(request.body, traceContext(request)));
    },
  );

  app.patch(
    '/api/products/:id',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Change a product (admin)',
        tags: ['catalog'],
        security,
        params: catalog.ProductParams,
        body: catalog.ProductPatch,
        response: { 200: catalog.Product, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (request) => {
      requireAdmin(request);
      const product = await writes.update(request.params.id, request.body, traceContext(request));
      if (!product) throw catalogErrors.PRODUCT_NOT_FOUND(`There is no product with id ${request.params.id}`);
      return product;
    },
  );

  app.delete(
    '/api/products/:id',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Delete a product (admin)',
        tags: ['catalog'],
        security,
        params: catalog.ProductParams,
        response: { 204: Type.Null({ description: 'Deleted' }), 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      if (!(await writes.remove(request.params.id, traceContext(request)))) {
        throw catalogErrors.PRODUCT_NOT_FOUND(`There is no product with id ${request.params.id}`);
      }
      return reply.code(204).send(null);
    },
  );
}
