import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import type { CloudEvent, Emit } from '@microshop/messaging';
import { OrderRepository } from '../data/order-repository.js';
import type { OrdersDatabase } from '../data/schema.js';

/**
 * The checkout saga, as orders sees it (choreography: each service reacts to the others' events).
 * Orders turns outcomes into the order's status and announces the decisions others act on.
 */

/** inventory.stock.rejected: nothing was reserved; the order is cancelled as out of stock. */
export async function onStockRejected(trx: Kysely<OrdersDatabase>, event: CloudEvent, emit: Emit): Promise<void> {
  const { orderId, userId } = event.data as EventData<'inventory.stock.rejected'>;
  if (await OrderRepository.move(trx, orderId, 'CANCELLED', 'OUT_OF_STOCK')) {
    emit('orders.order.cancelled', orderId, { orderId, userId, reason: 'OUT_OF_STOCK' });
  }
}

/** payments.payment.succeeded: stock is reserved and money captured; the order is confirmed. */
export async function onPaymentSucceeded(trx: Kysely<OrdersDatabase>, event: CloudEvent, emit: Emit): Promise<void> {
  const { orderId, userId } = event.data as EventData<'payments.payment.succeeded'>;
  const order = await OrderRepository.move(trx, orderId, 'CONFIRMED');
  if (order) emit('orders.order.confirmed', orderId, { orderId, userId, totalCents: order.total_cents, currency: order.currency });
}

/** payments.payment.failed: cancelled as declined; inventory releases the reservation on this event. */
export async function onPaymentFailed(trx: Kysely<OrdersDatabase>, event: CloudEvent, emit: Emit): Promise<void> {
  const { orderId, userId } = event.data as EventData<'payments.payment.failed'>;
  if (await OrderRepository.move(trx, orderId, 'CANCELLED', 'PAYMENT_DECLINED')) {
    emit('orders.order.cancelled', orderId, { orderId, userId, reason: 'PAYMENT_DECLINED' });
  }
}

export async function onDeliveryDeparted(trx: Kysely<OrdersDatabase>, event: CloudEvent): Promise<void> {
  const { orderId } = event.data as EventData<'shipping.delivery.departed'>;
  await OrderRepository.move(trx, orderId, 'SHIPPED');
}

export async function onDeliveryArrived(trx: Kysely<OrdersDatabase>, event: CloudEvent): Promise<void> {
  const { orderId } = event.data as EventData<'shipping.delivery.arrived'>;
  // An arrival overtaking its departure (separate consumers) still ends the order delivered.
  await OrderRepository.move(trx, orderId, 'SHIPPED');
  await OrderRepository.move(trx, orderId, 'DELIVERED');
}
