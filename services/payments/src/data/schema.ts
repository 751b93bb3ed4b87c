import type { MessagingTables } from '@microshop/messaging';

/** A tokenized card: brand, last 4 digits and the provider's assessment; never the number. */
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
  status: 'PENDING' | 'CAPTURED' | 'FAILED' | 'REFUNDED';
  amount_cents: number;
  currency: string;
  card_brand: string;
  card_last4: string;
  provider_reference: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface PaymentsDatabase extends MessagingTables {
  payment_methods: PaymentMethodTable;
  payments: PaymentTable;
}
