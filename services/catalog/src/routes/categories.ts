import { catalog } from '@microshop/contracts';
import type { App } from '@microshop/kit';
import type { ProductRepository } from '../data/product-repository.js';

export function categoryRoutes(app: App, products: ProductRepository): void {
  app.get(
    '/api/categories',
    { config: { access: 'public' }, schema: { summary: 'All categories, in display order', tags: ['catalog'], response: { 200: catalog.CategoryList } } },
    async () => ({ items: await products.categories() }),
  );
}
