import type { catalog } from '@microshop/contracts';
import { isUniqueViolation, type Kysely } from '@microshop/data';
import type { EventBus } from '@microshop/messaging';
import { ProductRepository, toProduct } from '../data/product-repository.js';
import type { CatalogDatabase } from '../data/schema.js';
import { productIdFor } from '../domain/product-id.js';
import { catalogErrors } from '../errors.js';

type Context = { traceparent?: string };

async function assertCategory(trx: Kysely<CatalogDatabase>, category: string): Promise<void> {
  const found = await trx.selectFrom('categories').select('id').where('id', '=', category).executeTakeFirst();
  if (!found) {
    throw catalogErrors.UNKNOWN_CATEGORY(`There is no category ${category}`, { errors: [{ path: 'category', message: 'is not a known category' }] });
  }
}

/** The shop has one currency; a price in any other could only be added to carts wrongly. */
function assertCurrency(currency: string, shop: string): void {
  if (currency !== shop) {
    throw catalogErrors.WRONG_CURRENCY(`The shop sells in ${shop} only; a price in ${currency} is not accepted`, {
      errors: [{ path: 'currency', message: `must be ${shop}, the shop currency` }],
    });
  }
}

function skuTaken(error: unknown): never {
  if (isUniqueViolation(error)) {
    throw catalogErrors.SKU_TAKEN('Another product has this SKU', { errors: [{ path: 'sku', message: 'is already used by another product' }] });
  }
  throw error;
}

/**
 * Every change to a product commits together with the event that announces it
 * (`catalog.product.upserted` / `catalog.product.deleted`), through the outbox.
 */
export class ProductWrites {
  constructor(
    private readonly bus: EventBus<CatalogDatabase>,
    /** The shop currency (MICROSHOP_CURRENCY): every product is priced in it. */
    private readonly currency: string,
  ) {}

  /** Creates a product; its id is made from the SKU (`prod-<sku>`, see productIdFor) unless one is given. */
  async create(input: catalog.ProductInput, context: Context = {}): Promise<catalog.Product> {
    assertCurrency(input.currency, this.currency);
    const product: catalog.Product = {
      id: input.id ?? productIdFor(input.sku),
      sku: input.sku,
      name: input.name.trim(),
      description: input.description,
      priceCents: input.priceCents,
      currency: input.currency,
      category: input.category,
      imageUrl: input.imageUrl ?? '',
    };
    return this.bus
      .transaction(async (trx, emit) => {
        await assertCategory(trx, product.category);
        const existing = await trx.selectFrom('products').select('id').where('id', '=', product.id).executeTakeFirst();
        if (existing) throw catalogErrors.PRODUCT_EXISTS(`A product with id ${product.id} exists`, { errors: [{ path: 'id', message: 'is taken' }] });
        await ProductRepository.upsert(trx, product);
        emit('catalog.product.upserted', product.id, { product });
        return product;
      }, context)
      .catch(skuTaken);
  }

  /** Changes the given fields; undefined when there is no such product. */
  async update(id: string, patch: catalog.ProductPatch, context: Context = {}): Promise<catalog.Product | undefined> {
    if (patch.currency !== undefined) assertCurrency(patch.currency, this.currency);
    return this.bus
      .transaction(async (trx, emit) => {
        const row = await trx.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return undefined;
        const product = { ...toProduct(row), ...patch };
        if (patch.name !== undefined) product.name = patch.name.trim();
        if (patch.category !== undefined) await assertCategory(trx, patch.category);
        await ProductRepository.upsert(trx, product);
        emit('catalog.product.upserted', product.id, { product });
        return product;
      }, context)
      .catch(skuTaken);
  }

  /** Same as create, or replaces the product with this id (used by tests and seeding tools). */
  async upsert(product: catalog.Product, context: Context = {}): Promise<void> {
    assertCurrency(product.currency, this.currency);
    return this.bus.transaction(async (trx, emit) => {
      await ProductRepository.upsert(trx, product);
      emit('catalog.product.upserted', product.id, { product });
    }, context);
  }

  remove(productId: string, context: Context = {}): Promise<boolean> {
    return this.bus.transaction(async (trx, emit) => {
      const removed = await ProductRepository.remove(trx, productId);
      if (removed) emit('catalog.product.deleted', productId, { productId });
      return removed;
    }, context);
  }
}
