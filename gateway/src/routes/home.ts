import type { App } from '@microshop/kit';
import type { Upstreams } from '@microshop/kit';
import { edgeContext } from '../traces/edge-span.js';
import { fetchPart } from '../upstreams/fetch-part.js';

const FEATURED = 8;

/**
 * The storefront's first page in one call: categories and featured products from catalog, and
 * the signed-in shopper's cart, fetched in parallel. A part whose service is down is left empty
 * and named in `degraded`; the answer is still 200.
 */
export function homeRoute(app: App, upstreams: Upstreams): void {
  app.get('/api/home', async (request) => {
    // The shopper's own token goes to cart, which verifies it itself.
    const authorization = request.verifiedUser ? request.headers.authorization : undefined;
    // The three calls are children of this request's span.
    const parent = edgeContext(request);
    const [categories, products, cart] = await Promise.all([
      fetchPart(upstreams, 'catalog', '/api/categories', {}, parent),
      fetchPart(upstreams, 'catalog', `/api/products?limit=${FEATURED}`, {}, parent),
      authorization ? fetchPart(upstreams, 'cart', '/api/cart', { authorization }, parent) : Promise.resolve(null),
    ]);
    const degraded: string[] = [];
    if (categories === undefined || products === undefined) degraded.push('catalog');
    if (cart === undefined) degraded.push('cart');
    return {
      categories: (categories as { items?: unknown[] } | undefined)?.items ?? [],
      featured: (products as { items?: unknown[] } | undefined)?.items ?? [],
      cart: cart ?? null,
      degraded,
    };
  });
}
