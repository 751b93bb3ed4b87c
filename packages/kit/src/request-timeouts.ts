/** How long a request's headers and body may take to arrive, unless createApp is told otherwise. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Node's server options that answer 408 to a request not received within `ms`. Node looks for
 * such requests only every `connectionsCheckingInterval` (30 s by default, which would let one
 * last a minute): here every tenth of the timeout, at most every 2 s.
 */
export function serverTimeouts(ms: number): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: ms,
    requestTimeout: ms,
    connectionsCheckingInterval: Math.max(50, Math.min(2_000, Math.round(ms / 10))),
  };
}
