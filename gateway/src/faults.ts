import type { operations } from '@microshop/contracts';

/** What to do to one request: hold it `delayMs` first, and/or answer `abortStatus` instead of forwarding it. */
export interface FaultDecision {
  delayMs: number;
  abortStatus: number | undefined;
}

const NONE: FaultDecision = { delayMs: 0, abortStatus: undefined };

/**
 * Faults an admin sets at run time, per service, off by default. Each request draws its own
 * chance, so `abortPercent: 10` fails about one request in ten. Held per gateway process.
 */
export class FaultInjector {
  readonly #faults = new Map<string, operations.FaultSettings>();

  constructor(private readonly random: () => number = Math.random) {}

  set(service: string, settings: operations.FaultSettings): void {
    if (settings.delayPercent === 0 && settings.abortPercent === 0) this.#faults.delete(service);
    else this.#faults.set(service, { ...settings });
  }

  clear(service: string): boolean {
    return this.#faults.delete(service);
  }

  list(): operations.FaultView[] {
    return [...this.#faults].map(([service, settings]) => ({ service, ...settings })).sort((a, b) => a.service.localeCompare(b.service));
  }

  /** The common case, no fault anywhere, costs one map lookup. */
  decide(service: string): FaultDecision {
    const fault = this.#faults.get(service);
    if (!fault) return NONE;
    const delayMs = fault.delayMs > 0 && this.random() * 100 < fault.delayPercent ? fault.delayMs : 0;
    const abortStatus = this.random() * 100 < fault.abortPercent ? fault.abortStatus : undefined;
    return { delayMs, abortStatus };
  }
}
