import type { orders } from '@microshop/contracts';

type CancellationReason = orders.CancellationReason;
import type { Kysely } from '@microshop/data';
import { canMove, type Status } from '../domain/status.js';
import type { OrdersDatabase, OrderTable } from './schema.js';

export function toOrder(row: OrderTable): orders.Order {
  const order: orders.Order = {
    id: row.id,
    status: row.status,
    items: JSON.parse(row.items),
    totalCents: row.total_cents,
    currency: row.currency,
    shippingAddress: JSON.parse(row.shipping_address),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    history: JSON.parse(row.history),
  };
  if (row.cancellation_reason) order.cancellationReason = row.cancellation_reason;
  return order;
}

export class OrderRepository {
  constructor(private readonly db: Kysely<OrdersDatabase>) {}

  async forUser(userId: string): Promise<orders.Order[]> {
    const rows = await this.db.selectFrom('orders').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toOrder);
  }

  /** The order, only if it is `userId`'s: another user's order does not exist for them. */
  async ownedBy(id: string, userId: string): Promise<orders.Order | undefined> {
    const row = await this.db.selectFrom('orders').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row ? toOrder(row) : undefined;
  }

  async byIdempotencyKey(userId: string, key: string): Promise<OrderTable | undefined> {
    return this.db.selectFrom('orders').selectAll().where('user_id', '=', userId).where('idempotency_key', '=', key).executeTakeFirst();
  }

  /** Moves the order if its life allows it; false for a late, repeated or impossible step. */
  static async move(
    trx: Kysely<OrdersDatabase>,
    id: string,
    to: Status,
    reason?: CancellationReason,
  ): Promise<OrderTable | undefined> {
    const row = await trx.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !canMove(row.status, to)) return undefined;
    const at = new Date().toISOString();
    const history = [...JSON.parse(row.history), { status: to, at }];
    const changes = { status: to, updated_at: at, history: JSON.stringify(history), cancellation_reason: reason ?? row.cancellation_reason };
    const result = await trx.updateTable('orders').set(changes).where('id', '=', id).where('status', '=', row.status).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? { ...row, ...changes } : undefined;
  }
}
