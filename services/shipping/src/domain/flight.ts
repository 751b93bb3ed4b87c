/** Simulated seconds from confirmation to take-off (loading the parcel). */
export const LOADING_SECONDS = 2;
/** Simulated flight length: 20 to 50 s, so that loading and flight stay within SPEC's 60 s. */
export const MIN_FLIGHT_SECONDS = 20;
export const MAX_FLIGHT_SECONDS = 50;

/** A flight time for a parcel, spread by a stable hash of the order id (no randomness in tests). */
export function flightSeconds(orderId: string): number {
  let hash = 0;
  for (const c of orderId) hash = (hash * 33 + c.charCodeAt(0)) >>> 0;
  return MIN_FLIGHT_SECONDS + (hash % (MAX_FLIGHT_SECONDS - MIN_FLIGHT_SECONDS + 1));
}

/** When a parcel confirmed at `now` departs and arrives, in real milliseconds at `timeScale`. */
export function schedule(orderId: string, now: number, timeScale: number): { departAt: number; arriveAt: number } {
  // Whole milliseconds: the columns are integers (PostgreSQL refuses a fraction).
  const departAt = Math.round(now + (LOADING_SECONDS * 1000) / timeScale);
  return { departAt, arriveAt: Math.round(departAt + (flightSeconds(orderId) * 1000) / timeScale) };
}
