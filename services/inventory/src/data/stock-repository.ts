import type { Kysely } from '@microshop/data';
import type { InventoryDatabase } from './schema.js';

export class StockRepository {
  constructor(private readonly db: Kysely<InventoryDatabase>) {}

  async level(productId: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('stock').select('available').where('product_id', '=', productId).executeTakeFirst();
    return row?.available;
  }

  async set(productId: string, available: number): Promise<boolean> {
    const result = await this.db
      .updateTable('stock')
      .set({ available, updated_at: new Date().toISOString() })
      .where('product_id', '=', productId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
