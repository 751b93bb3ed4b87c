import type { Kysely } from '@microshop/data';
import type { CartLine } from '../domain/cart.js';
import type { CartDatabase } from './schema.js';

export class CartRepository {
  constructor(
    private readonly db: Kysely<CartDatabase>,
    /** The shop currency: lines whose product is now priced in another are left out, never added up. */
    private readonly currency: string,
  ) {}

  /** The user's lines joined with the price copy, oldest first. */
  async lines(userId: string): Promise<CartLine[]> {
    const rows = await this.db
      .selectFrom('cart_items as i')
      .innerJoin('prices as p', 'p.product_id', 'i.product_id')
      .select(['i.product_id', 'p.name', 'i.quantity', 'p.price_cents', 'p.currency'])
      .where('i.user_id', '=', userId)
      .where('p.deleted_at', 'is', null)
      .where('p.currency', '=', this.currency)
      .orderBy('i.updated_at')
      .orderBy('i.product_id')
      .execute();
    return rows.map((r) => ({ productId: r.product_id, name: r.name, quantity: r.quantity, unitPriceCents: r.price_cents, currency: r.currency }));
  }

  /** The copy of a product that was not deleted, in whatever currency the catalog announced. */
  async product(productId: string): Promise<{ name: string; priceCents: number; currency: string } | undefined> {
    const row = await this.db
      .selectFrom('prices')
      .select(['name', 'price_cents', 'currency'])
      .where('product_id', '=', productId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && { name: row.name, priceCents: row.price_cents, currency: row.currency };
  }

  async setQuantity(userId: string, productId: string, quantity: number): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('cart_items')
      .values({ user_id: userId, product_id: productId, quantity, updated_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'product_id']).doUpdateSet({ quantity }))
      .execute();
  }

  async remove(userId: string, productId: string): Promise<void> {
    await this.db.deleteFrom('cart_items').where('user_id', '=', userId).where('product_id', '=', productId).execute();
  }

  async clear(userId: string): Promise<void> {
    await this.db.deleteFrom('cart_items').where('user_id', '=', userId).execute();
  }
}
