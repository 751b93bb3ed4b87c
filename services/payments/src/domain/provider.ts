/** What a payment provider decides about a charge. */
export type ChargeResult = { ok: true; reference: string } | { ok: false; reason: string };

/** The interface a real provider would implement; the shop ships a simulated one. */
export interface PaymentProvider {
  /** How the provider will treat this card, decided when it is tokenized (the number is not kept). */
  assess(cardNumber: string): 'approve' | 'decline';
  charge(assessment: 'approve' | 'decline', amountCents: number, idempotencyKey: string): Promise<ChargeResult>;
  /** `idempotencyKey` makes a repeated refund (a redelivered event) a no-op at the provider. */
  refund(reference: string, amountCents: number, idempotencyKey: string): Promise<void>;
}

/** The SPEC's test cards: 4000000000000002 is declined, every other valid number succeeds. */
export class SimulatedProvider implements PaymentProvider {
  assess(cardNumber: string): 'approve' | 'decline' {
    return cardNumber === '4000000000000002' ? 'decline' : 'approve';
  }

  async charge(assessment: 'approve' | 'decline', _amountCents: number, idempotencyKey: string): Promise<ChargeResult> {
    return assessment === 'approve' ? { ok: true, reference: `sim_${idempotencyKey}` } : { ok: false, reason: 'card_declined' };
  }

  async refund(): Promise<void> {}
}
