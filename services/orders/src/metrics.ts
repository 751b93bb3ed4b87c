import { Counter, type Registry } from '@microshop/kit';
import type { Status } from './domain/status.js';

/** The statuses operators count (SPEC: placed, confirmed, cancelled, delivered); SHIPPED is not one. */
const COUNTED: Partial<Record<Status, string>> = { PENDING: 'placed', CONFIRMED: 'confirmed', CANCELLED: 'cancelled', DELIVERED: 'delivered' };

/**
 * Orders' business metrics: each instance counts the changes it committed, so the sum over
 * instances is the shop's. Count only after the transaction that made the change has committed.
 */
export function orderMetrics(registry: Registry, currency: string) {
  const orders = new Counter({
    name: 'microshop_orders_total',
    help: 'Orders that reached a status (placed, confirmed, cancelled, delivered), as committed by this instance',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const revenue = new Counter({
    name: 'microshop_revenue_cents_total',
    help: 'Total of confirmed orders in cents (minor units), by currency',
    labelNames: ['currency'] as const,
    registers: [registry],
  });
  // Every series exists from the start, so rate() and increase() see the first order too.
  for (const status of Object.values(COUNTED)) orders.inc({ status }, 0);
  revenue.inc({ currency }, 0);

  return {
    /** An order now has `status`; confirmation also counts its total as revenue. */
    reached(order: { status: Status; total_cents: number; currency: string }): void {
      const status = COUNTED[order.status];
      if (status) orders.inc({ status });
      if (order.status === 'CONFIRMED') revenue.inc({ currency: order.currency }, order.total_cents);
    },
  };
}

export type OrderMetrics = ReturnType<typeof orderMetrics>;
