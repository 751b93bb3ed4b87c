/**
 * Canary releases on the local runner (`deploy <service>`): the new code's share of the traffic
 * grows in steps while its answers are compared with the stable instances'.
 */

/** The canary's share of the service's requests at each step, in percent. */
export const CANARY_STEPS = [5, 25, 50, 100] as const;

/** What one side (the canary, or the stable instances together) did over a step. */
export interface StepCounts {
  requests: number;
  failures: number;
  /** p95 of the last answers, ms (null before any). */
  p95Ms: number | null;
}

export interface Judgement {
  verdict: 'fail' | 'pass' | 'wait';
  reason: string;
}

/** Failures the canary may have before the error-rate test can fail it early. */
const EARLY_FAILURES = 3;
/** How much higher than the stable instances' its error rate may be: early (any time) and at a step's end. */
const EARLY_MARGIN = 0.05;
const STEP_MARGIN = 0.01;
/** Answers needed before its latency is compared, and how much slower it may be. */
const LATENCY_SAMPLES = 20;
const LATENCY_FACTOR = 2;
const LATENCY_SLACK_MS = 100;

const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/**
 * Judges the canary against the stable instances over the step so far: `fail` as soon as it has
 * failed 3 requests at a rate 5 points above stable's (so a broken release is caught within its
 * first, smallest step), and at the step's end (`final`) if its error rate is a point above or its
 * p95 over twice stable's (and 100 ms more) on 20 answers or more; else `pass` at the end, `wait`
 * before it.
 */
export function judgeCanary(canary: StepCounts, stable: StepCounts, final: boolean): Judgement {
  const rate = canary.requests > 0 ? canary.failures / canary.requests : 0;
  const stableRate = stable.requests > 0 ? stable.failures / stable.requests : 0;
  const errors = `${canary.failures} of ${canary.requests} requests failed (${pct(rate)}) against ${pct(stableRate)} on the stable instances`;
  if (canary.failures >= EARLY_FAILURES && rate > stableRate + EARLY_MARGIN) return { verdict: 'fail', reason: errors };
  if (!final) return { verdict: 'wait', reason: errors };
  if (canary.failures > 0 && rate > stableRate + STEP_MARGIN) return { verdict: 'fail', reason: errors };
  const latency =
    canary.p95Ms === null ? 'no answers yet' : `p95 ${canary.p95Ms} ms against ${stable.p95Ms === null ? 'nothing' : `${stable.p95Ms} ms`} on the stable instances`;
  if (
    canary.requests >= LATENCY_SAMPLES &&
    canary.p95Ms !== null &&
    stable.p95Ms !== null &&
    canary.p95Ms > Math.max(LATENCY_FACTOR * stable.p95Ms, stable.p95Ms + LATENCY_SLACK_MS)
  ) {
    return { verdict: 'fail', reason: latency };
  }
  return { verdict: 'pass', reason: `${errors}; ${latency}` };
}

/** One release as /ops and `status` show it. */
export interface Release {
  service: string;
  startedAt: string;
  /** The new code's server script. */
  script: string;
  /** The canary's instance name. */
  canary: string | undefined;
  percent: number;
  state: 'starting' | 'on trial' | 'promoting' | 'promoted' | 'rolling back' | 'rolled back' | 'failed';
  steps: Array<{ percent: number; canary: StepCounts; stable: StepCounts; verdict: Judgement['verdict']; reason: string }>;
  reason: string | undefined;
  endedAt: string | undefined;
}
