import type { EventData } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import { activeTraceparent, type AfterCommit, type CloudEvent, type Emit } from '@microshop/messaging';
import type { PaymentsDatabase } from '../data/schema.js';
import { ensurePayment } from './on-order-placed.js';

/**
 * inventory.stock.reserved: the order's payment is to be captured, once. Only the intent is
 * recorded here (PENDING → CAPTURING, in this transaction, so a redelivery finds it taken); the
 * provider is asked after the commit, outside any transaction (settlement.ts), which `settle` wakes.
 */
export function onStockReserved(settle: () => void) {
  return async (trx: Kysely<PaymentsDatabase>, event: CloudEvent, _emit: Emit, afterCommit: AfterCommit): Promise<void> => {
    const reserved = event.data as EventData<'inventory.stock.reserved'>;
    await ensurePayment(trx, reserved);
    const result = await trx
      .updateTable('payments')
      .set({ status: 'CAPTURING', traceparent: activeTraceparent(event.traceparent) ?? null, updated_at: new Date().toISOString() })
      .where('order_id', '=', reserved.orderId)
      .where('status', '=', 'PENDING')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) afterCommit(settle);
  };
}
