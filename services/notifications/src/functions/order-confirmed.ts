import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { NotificationsDatabase } from '../data/schema.js';
import { money, send } from './send.js';

/** orders.order.confirmed → "Your order is confirmed". */
export async function orderConfirmed(trx: Kysely<NotificationsDatabase>, event: CloudEvent): Promise<void> {
  const { orderId, userId, totalCents, currency } = event.data as EventData<'orders.order.confirmed'>;
  await send(trx, event, userId, 'order.confirmed', 'Your order is confirmed', `We have your payment of ${money(totalCents, currency)} for order ${orderId}. A drone will bring it soon.`);
}
