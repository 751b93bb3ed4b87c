import type { EventBus } from '@microshop/messaging';
import type { Kysely } from '@microshop/data';
import { OrderRepository } from './data/order-repository.js';
import type { OrdersDatabase } from './data/schema.js';
import type { OrderMetrics } from './metrics.js';

/** Orders settled per pass; a backlog is worked through pass after pass. */
const BATCH = 100;

export interface DeadlineLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * The saga's deadline (SPEC §5): an order still `PENDING` `timeoutMs` after it was placed is
 * cancelled `TIMED_OUT`, and `orders.order.cancelled` tells inventory to release its stock and
 * payments to refund or never take the money. The deadline is the order's own `created_at` in the
 * database, so it holds across restarts. Every instance looks, every second at most; the move
 * from `PENDING` is conditional, so only one of them cancels an order, and an outcome that
 * arrives in the meantime wins over the deadline or loses to it, never both.
 */
export class SettleDeadline {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<OrdersDatabase>,
    private readonly bus: EventBus<OrdersDatabase>,
    private readonly metrics: OrderMetrics,
    private readonly log: DeadlineLogger,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const everyMs = Math.min(1_000, Math.max(100, Math.floor(this.timeoutMs / 4)));
    this.#timer = setInterval(() => {
      this.#running ??= this.sweep()
        .then(() => undefined)
        .catch((error: unknown) => this.log.warn({ err: error }, 'could not cancel overdue orders; will try again'))
        .finally(() => {
          this.#running = undefined;
        });
    }, everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** One pass: cancels what is overdue now; resolves with how many orders it cancelled. */
  async sweep(): Promise<number> {
    const cutoff = new Date(Math.max(0, this.now() - this.timeoutMs)).toISOString();
    const overdue = await this.db
      .selectFrom('orders')
      .select(['id', 'user_id'])
      .where('status', '=', 'PENDING')
      .where('created_at', '<', cutoff)
      .orderBy('created_at')
      .limit(BATCH)
      .execute();
    let cancelled = 0;
    for (const { id, user_id: userId } of overdue) {
      const order = await this.bus.transaction(async (trx, emit) => {
        const moved = await OrderRepository.move(trx, id, 'CANCELLED', 'TIMED_OUT');
        if (moved) emit('orders.order.cancelled', id, { orderId: id, userId, reason: 'TIMED_OUT' });
        return moved;
      });
      if (!order) continue;
      cancelled++;
      this.metrics.reached(order);
      this.log.info({ orderId: id, placedAt: order.created_at, timeoutMs: this.timeoutMs }, 'order timed out: cancelled TIMED_OUT');
    }
    return cancelled;
  }
}
