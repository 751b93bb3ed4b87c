import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { NotificationsDatabase } from '../data/schema.js';
import { send } from './send.js';

const WHY = {
  OUT_OF_STOCK: 'some of its items are out of stock',
  PAYMENT_DECLINED: 'the card was declined',
  TIMED_OUT: 'it could not be completed in time',
} as const;

/** orders.order.cancelled → "Your order was cancelled", saying why. */
export async function orderCancelled(trx: Kysely<NotificationsDatabase>, event: CloudEvent): Promise<void> {
  const { orderId, userId, reason } = event.data as EventData<'orders.order.cancelled'>;
  await send(trx, event, userId, 'order.cancelled', 'Your order was cancelled', `Order ${orderId} was cancelled because ${WHY[reason]}. You have not been charged.`);
}
