import type { Kysely } from '@microshop/data';
import { type EventBus, inTrace, ORDER_ID_ATTRIBUTE } from '@microshop/messaging';
import type { ShippingDatabase } from './data/schema.js';

/**
 * The simulated fleet: every tick, parcels due to leave depart and parcels due to land arrive,
 * each step with its event in one transaction. The status check in the update makes a step
 * happen once even with several shipping instances ticking.
 */
export class Flights {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<ShippingDatabase>,
    private readonly bus: EventBus<ShippingDatabase>,
    private readonly log: { warn(fields: object, message: string): void },
    private readonly tickMs = 200,
  ) {}

  async tick(): Promise<void> {
    const now = Date.now();
    // Idle ticks only read: the write transaction (and SQLite's write lock) only when something is due.
    const due = await this.db
      .selectFrom('deliveries')
      .select('order_id')
      .where((eb) => eb.or([eb.and([eb('status', '=', 'SCHEDULED'), eb('depart_at', '<=', now)]), eb.and([eb('status', '=', 'IN_TRANSIT'), eb('arrive_at', '<=', now)])]))
      .limit(1)
      .executeTakeFirst();
    if (!due) return;
    await this.bus.transaction(async (trx, emit) => {
      const leaving = await trx.selectFrom('deliveries').selectAll().where('status', '=', 'SCHEDULED').where('depart_at', '<=', now).execute();
      for (const delivery of leaving) {
        const moved = await trx
          .updateTable('deliveries')
          .set({ status: 'IN_TRANSIT', updated_at: new Date().toISOString() })
          .where('order_id', '=', delivery.order_id)
          .where('status', '=', 'SCHEDULED')
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) continue;
        inTrace(delivery.traceparent, 'drone departs', { [ORDER_ID_ATTRIBUTE]: delivery.order_id, 'microshop.drone_id': delivery.drone_id }, () =>
          emit('shipping.delivery.departed', delivery.order_id, {
            orderId: delivery.order_id,
            userId: delivery.user_id,
            droneId: delivery.drone_id,
            eta: new Date(Number(delivery.arrive_at)).toISOString(),
          }),
        );
      }
      const landing = await trx.selectFrom('deliveries').selectAll().where('status', '=', 'IN_TRANSIT').where('arrive_at', '<=', now).execute();
      for (const delivery of landing) {
        const moved = await trx
          .updateTable('deliveries')
          .set({ status: 'DELIVERED', updated_at: new Date().toISOString() })
          .where('order_id', '=', delivery.order_id)
          .where('status', '=', 'IN_TRANSIT')
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) continue;
        await trx.updateTable('drones').set((eb) => ({ load: eb('load', '-', 1) })).where('id', '=', delivery.drone_id).execute();
        inTrace(delivery.traceparent, 'drone arrives', { [ORDER_ID_ATTRIBUTE]: delivery.order_id, 'microshop.drone_id': delivery.drone_id }, () =>
          emit('shipping.delivery.arrived', delivery.order_id, { orderId: delivery.order_id, userId: delivery.user_id, droneId: delivery.drone_id }),
        );
      }
    });
  }

  start(): void {
    const loop = () => {
      this.#running = this.tick()
        .catch((error: unknown) => this.log.warn({ err: error }, 'flight tick failed; will try again'))
        .finally(() => {
          if (this.#timer !== undefined) this.#timer = setTimeout(loop, this.tickMs);
        });
    };
    this.#timer = setTimeout(loop, this.tickMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
