import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import { activeTraceparent, type CloudEvent } from '@microshop/messaging';
import type { ShippingDatabase } from '../data/schema.js';
import { schedule } from '../domain/flight.js';

/** orders.order.confirmed: the least-loaded drone is assigned and the flight scheduled. */
export function onOrderConfirmed(timeScale: number) {
  return async (trx: Kysely<ShippingDatabase>, event: CloudEvent): Promise<void> => {
    const { orderId, userId } = event.data as EventData<'orders.order.confirmed'>;
    const drone = await trx.selectFrom('drones').selectAll().orderBy('load').orderBy('id').executeTakeFirstOrThrow();
    const { departAt, arriveAt } = schedule(orderId, Date.now(), timeScale);
    const now = new Date().toISOString();
    const inserted = await trx
      .insertInto('deliveries')
      .values({ order_id: orderId, user_id: userId, drone_id: drone.id, status: 'SCHEDULED', depart_at: departAt, arrive_at: arriveAt, created_at: now, updated_at: now, traceparent: activeTraceparent(event.traceparent) ?? null })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) {
      await trx.updateTable('drones').set((eb) => ({ load: eb('load', '+', 1) })).where('id', '=', drone.id).execute();
    }
  };
}
