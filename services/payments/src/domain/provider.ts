import type { Kysely } from '@microshop/data';
import type { PaymentsDatabase } from '../data/schema.js';

/** What a payment provider decides about a charge. */
export type ChargeResult = { ok: true; reference: string } | { ok: false; reason: string };

/**
 * The interface a real provider would implement; the shop ships a simulated one. Every call is
 * made outside any database transaction (settlement.ts) and may be repeated after a crash: the
 * idempotency key makes the repeat return the first answer and move no money again.
 */
export interface PaymentProvider {
  /** How the provider will treat this card, decided when it is tokenized (the number is not kept). */
  assess(cardNumber: string): 'approve' | 'decline';
  charge(assessment: 'approve' | 'decline', amountCents: number, idempotencyKey: string): Promise<ChargeResult>;
  refund(reference: string, amountCents: number, idempotencyKey: string): Promise<void>;
}

/** What the simulated provider remembers of each call, by idempotency key. */
export interface Ledger {
  /** The entry first recorded under `key`: `entry` if there was none. */
  once(key: string, entry: { operation: 'charge' | 'refund'; amountCents: number; ok: boolean; detail: string }): Promise<{ ok: boolean; detail: string }>;
}

/** A ledger in memory: enough for a test of one process. */
export class MemoryLedger implements Ledger {
  readonly entries = new Map<string, { operation: 'charge' | 'refund'; amountCents: number; ok: boolean; detail: string }>();

  async once(key: string, entry: { operation: 'charge' | 'refund'; amountCents: number; ok: boolean; detail: string }) {
    const kept = this.entries.get(key) ?? entry;
    this.entries.set(key, kept);
    return kept;
  }
}

/**
 * The simulated provider's ledger in its own table, written on its own (never inside payments'
 * transaction), as a remote provider's records are: it survives a payments crash, so a capture
 * repeated after one is answered from it and charges nothing twice.
 */
export class DatabaseLedger implements Ledger {
  constructor(private readonly db: Kysely<PaymentsDatabase>) {}

  async once(key: string, entry: { operation: 'charge' | 'refund'; amountCents: number; ok: boolean; detail: string }) {
    await this.db
      .insertInto('provider_ledger')
      .values({
        idempotency_key: key,
        operation: entry.operation,
        amount_cents: entry.amountCents,
        ok: entry.ok ? 1 : 0,
        detail: entry.detail,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
    const kept = await this.db.selectFrom('provider_ledger').select(['ok', 'detail']).where('idempotency_key', '=', key).executeTakeFirstOrThrow();
    return { ok: Number(kept.ok) === 1, detail: kept.detail };
  }
}

/** The SPEC's test cards: 4000000000000002 is declined, every other valid number succeeds. */
export class SimulatedProvider implements PaymentProvider {
  constructor(private readonly ledger: Ledger = new MemoryLedger()) {}

  assess(cardNumber: string): 'approve' | 'decline' {
    return cardNumber === '4000000000000002' ? 'decline' : 'approve';
  }

  async charge(assessment: 'approve' | 'decline', amountCents: number, idempotencyKey: string): Promise<ChargeResult> {
    const approved = assessment === 'approve';
    const kept = await this.ledger.once(idempotencyKey, {
      operation: 'charge',
      amountCents,
      ok: approved,
      detail: approved ? `sim_${idempotencyKey}` : 'card_declined',
    });
    return kept.ok ? { ok: true, reference: kept.detail } : { ok: false, reason: kept.detail };
  }

  async refund(reference: string, amountCents: number, idempotencyKey: string): Promise<void> {
    await this.ledger.once(idempotencyKey, { operation: 'refund', amountCents, ok: true, detail: reference });
  }
}
