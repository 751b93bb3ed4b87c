import { catalog, Problem } from '@microshop/contracts';
import type { App } from '@microshop/kit';
import type { ProductRepository } from '../data/product-repository.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { searchTerms } from '../domain/search.js';
import { catalogErrors } from '../errors.js';

export function productRoutes(app: App, products: ProductRepository): void {
  app.get(
    '/api/products',
    {
      config: { access: 'public' },
      schema: {
        summary: 'List products, with search, category filter and cursor paging',
        tags: ['catalog'],
        querystring: catalog.ProductListQuery,
        response: { 200: catalog.ProductPage, 400: Problem },
      },
    },
    async (request) => {
      const { q, category, limit = 20, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && after === undefined) {
        throw catalogErrors.INVALID_CURSOR('The cursor is not one this service returned', {
          errors: [{ path: 'query.cursor', message: 'is not a valid cursor' }],
        });
      }
      const page = await products.list({ terms: searchTerms(q), category, limit, after });
      const last = page.items.at(-1);
      return { items: page.items, nextCursor: page.more && last ? encodeCursor(last) : null };
    },
  );

  app.get(
    '/api/products/:id',
    {
      config: { access: 'public' },
      schema: {
        summary: 'One product',
        tags: ['catalog'],
        params: catalog.ProductParams,
        response: { 200: catalog.Product, 404: Problem },
      },
    },
    async (request) => {
      const product = await products.findById(request.params.id);
      if (!product) throw catalogErrors.PRODUCT_NOT_FOUND(`There is no product with id ${request.params.id}`);
      return product;
    },
  );
}
