import type { EventData } from '@microshop/contracts';
import type { EventHandler } from '@microshop/messaging';
import { OrderRepository } from '../data/order-repository.js';
import type { OrdersDatabase } from '../data/schema.js';
import type { OrderMetrics } from '../metrics.js';

/**
 * The checkout saga, as orders sees it (choreography: each service reacts to the others' events).
 * Orders turns outcomes into the order's status and announces the decisions others act on.
 * Each handler counts the status it reached once its transaction has committed.
 */
type Handler = (metrics: OrderMetrics) => EventHandler<OrdersDatabase>;

/** inventory.stock.rejected: nothing was reserved; the order is cancelled as out of stock. */
export const onStockRejected: Handler = (metrics) => async (trx, event, emit, afterCommit) => {
  const { orderId, userId } = event.data as EventData<'inventory.stock.rejected'>;
  const order = await OrderRepository.move(trx, orderId, 'CANCELLED', 'OUT_OF_STOCK');
  if (order) {
    afterCommit(() => metrics.reached(order));
    emit('orders.order.cancelled', orderId, { orderId, userId, reason: 'OUT_OF_STOCK' });
  }
};

/** payments.payment.succeeded: stock is reserved and money captured; the order is confirmed. */
export const onPaymentSucceeded: Handler = (metrics) => async (trx, event, emit, afterCommit) => {
  const { orderId, userId } = event.data as EventData<'payments.payment.succeeded'>;
  const order = await OrderRepository.move(trx, orderId, 'CONFIRMED');
  if (order) {
    afterCommit(() => metrics.reached(order));
    emit('orders.order.confirmed', orderId, { orderId, userId, totalCents: order.total_cents, currency: order.currency });
  }
};

/** payments.payment.failed: cancelled as declined; inventory releases the reservation on this event. */
export const onPaymentFailed: Handler = (metrics) => async (trx, event, emit, afterCommit) => {
  const { orderId, userId } = event.data as EventData<'payments.payment.failed'>;
  const order = await OrderRepository.move(trx, orderId, 'CANCELLED', 'PAYMENT_DECLINED');
  if (order) {
    afterCommit(() => metrics.reached(order));
    emit('orders.order.cancelled', orderId, { orderId, userId, reason: 'PAYMENT_DECLINED' });
  }
};

export const onDeliveryDeparted: Handler = () => async (trx, event) => {
  const { orderId } = event.data as EventData<'shipping.delivery.departed'>;
  await OrderRepository.move(trx, orderId, 'SHIPPED');
};

export const onDeliveryArrived: Handler = (metrics) => async (trx, event, _emit, afterCommit) => {
  const { orderId } = event.data as EventData<'shipping.delivery.arrived'>;
  // An arrival overtaking its departure (separate consumers) still ends the order delivered.
  await OrderRepository.move(trx, orderId, 'SHIPPED');
  const order = await OrderRepository.move(trx, orderId, 'DELIVERED');
  if (order) afterCommit(() => metrics.reached(order));
};
