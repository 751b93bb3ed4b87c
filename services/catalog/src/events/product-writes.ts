import type { catalog } from '@microshop/contracts';
import type { EventBus } from '@microshop/messaging';
import { ProductRepository } from '../data/product-repository.js';
import type { CatalogDatabase } from '../data/schema.js';

/**
 * Every change to a product commits together with the event that announces it
 * (`catalog.product.upserted` / `catalog.product.deleted`), through the outbox.
 */
export class ProductWrites {
  constructor(private readonly bus: EventBus<CatalogDatabase>) {}

  upsert(product: catalog.Product, context: { traceparent?: string } = {}): Promise<void> {
    return this.bus.transaction(async (trx, emit) => {
      await ProductRepository.upsert(trx, product);
      emit('catalog.product.upserted', product.id, { product });
    }, context);
  }

  remove(productId: string, context: { traceparent?: string } = {}): Promise<boolean> {
    return this.bus.transaction(async (trx, emit) => {
      const removed = await ProductRepository.remove(trx, productId);
      if (removed) emit('catalog.product.deleted', productId, { productId });
      return removed;
    }, context);
  }
}
