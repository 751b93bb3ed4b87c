import { type CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';

/**
 * Retries may add at most a fifth of the traffic: every request deposits 0.2 of a retry, a retry
 * spends 1. A struggling service does not get hit by a retry storm on top of its normal load.
 */
export class RetryBudget {
  #tokens: number;

  constructor(
    private readonly ratio = 0.2,
    private readonly max = 10,
  ) {
    this.#tokens = max;
  }

  deposit(): void {
    this.#tokens = Math.min(this.max, this.#tokens + this.ratio);
  }

  /** True (and spent) when a retry may go ahead. */
  withdraw(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export interface Guard {
  breaker: CircuitBreakerPolicy;
  budget: RetryBudget;
}

/** One breaker per service: 5 failures in a row open it; after 5 s one request may try again. */
export function guardFor(onStateChange: (state: CircuitState) => void, halfOpenAfterMs = 5_000): Guard {
  const breaker = circuitBreaker(handleAll, { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(5) });
  breaker.onStateChange(onStateChange);
  return { breaker, budget: new RetryBudget() };
}

export { CircuitState };
