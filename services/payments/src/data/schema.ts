import type { MessagingTables } from '@microshop/messaging';

/** A tokenized card: brand, last 4 digits and the provider's assessment; never the number. */
/** An order cancelled, remembered so that its late events are not acted on. */
export interface CancelledOrderTable {
  order_id: string;
  cancelled_at: string;
}

export interface PaymentMethodTable {
  id: string;
  user_id: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  assessment: 'approve' | 'decline';
  created_at: string;
}

export interface PaymentTable {
  id: string;
  order_id: string;
  user_id: string;
  payment_method_id: string;
  /** CAPTURING and REFUNDING: the provider is (to be) asked, its answer not recorded yet (settlement.ts). */
  status: 'PENDING' | 'CAPTURING' | 'CAPTURED' | 'FAILED' | 'REFUNDING' | 'REFUNDED';
  amount_cents: number;
  currency: string;
  card_brand: string;
  card_last4: string;
  provider_reference: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
  /** The trace the capture was asked for in: its settlement and the event it emits continue it. */
  traceparent: string | null;
}

/** The simulated provider's side: what it was asked, once per idempotency key. */
export interface ProviderLedgerTable {
  idempotency_key: string;
  operation: 'charge' | 'refund';
  amount_cents: number;
  ok: number;
  /** The charge's reference, or why it was declined. */
  detail: string;
  created_at: string;
}

export interface PaymentsDatabase extends MessagingTables {
  payment_methods: PaymentMethodTable;
  payments: PaymentTable;
  cancelled_orders: CancelledOrderTable;
  provider_ledger: ProviderLedgerTable;
}
