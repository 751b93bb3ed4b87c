import { inventory, Problem } from '@microshop/contracts';
import { type App, requireAdmin } from '@microshop/kit';
import type { StockRepository } from '../data/stock-repository.js';
import { inventoryErrors } from '../errors.js';

export function stockRoutes(app: App, stock: StockRepository): void {
  app.get(
    '/api/inventory/:productId',
    {
      config: { access: 'public' },
      schema: {
        summary: 'How many of a product can be ordered',
        tags: ['inventory'],
        params: inventory.StockParams,
        response: { 200: inventory.StockLevel, 404: Problem },
      },
    },
    async (request) => {
      const available = await stock.level(request.params.productId);
      if (available === undefined) throw inventoryErrors.PRODUCT_NOT_FOUND(`Inventory knows no product ${request.params.productId}`);
      return { productId: request.params.productId, available };
    },
  );

  app.put(
    '/api/inventory/:productId',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Set the stock level (admin)',
        tags: ['inventory'],
        security: [{ bearerAuth: [] }],
        params: inventory.StockParams,
        body: inventory.SetStockBody,
        response: { 200: inventory.StockLevel, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => {
      requireAdmin(request);
      const { productId } = request.params;
      if (!(await stock.set(productId, request.body.available))) throw inventoryErrors.PRODUCT_NOT_FOUND(`Inventory knows no product ${productId}`);
      return { productId, available: request.body.available };
    },
  );
}
