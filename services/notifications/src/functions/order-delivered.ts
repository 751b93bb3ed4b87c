import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { NotificationsDatabase } from '../data/schema.js';
import { send } from './send.js';

/** shipping.delivery.arrived → "Your order was delivered". */
export async function orderDelivered(trx: Kysely<NotificationsDatabase>, event: CloudEvent): Promise<void> {
  const { orderId, userId, droneId } = event.data as EventData<'shipping.delivery.arrived'>;
  await send(trx, event, userId, 'order.delivered', 'Your order was delivered', `Drone ${droneId} has dropped off order ${orderId}. Enjoy!`);
}
