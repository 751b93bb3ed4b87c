import type { FastifyInstance } from 'fastify';
import { sendProblem } from './error-handler.js';
import { commonErrors } from './problem.js';
import { within } from './within.js';

/** A readiness check: resolves when the dependency works, throws (or rejects) when it does not. */
export type ReadinessCheck = () => Promise<unknown> | unknown;

export interface HealthState {
  /** Set when shutdown begins so load balancers stop sending new work. */
  draining: boolean;
}

export interface LivenessOptions {
  /** The event loop counts as stuck when a timer fires this much later than due (default 5 s). */
  stallMs?: number;
  /** …and `/healthz` keeps failing this long after such a stall (default 30 s), so a probe between two stalls sees it. */
  rememberMs?: number;
}

/**
 * Watches the event loop with a timer that should fire every 500 ms: one that fires `stallMs` late
 * means the loop was blocked that long. A stuck loop answers no probe at all; one that keeps
 * stalling answers between stalls, and this is what makes `/healthz` say so.
 */
function watchEventLoop(app: FastifyInstance, options: LivenessOptions): () => { stalledMs: number; at: number } | undefined {
  const stallMs = options.stallMs ?? 5_000;
  const rememberMs = options.rememberMs ?? 30_000;
  const tickMs = Math.min(500, Math.max(10, Math.floor(stallMs / 4)));
  let last: { stalledMs: number; at: number } | undefined;
  let due = Date.now() + tickMs;
  const timer = setInterval(() => {
    const now = Date.now();
    const late = now - due;
    if (late >= stallMs) last = { stalledMs: late, at: now };
    due = now + tickMs;
  }, tickMs).unref();
  app.addHook('onClose', async () => clearInterval(timer));
  return () => (last && Date.now() - last.at < rememberMs ? last : undefined);
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<string> {
  try {
    await within(Promise.resolve().then(check), CHECK_TIMEOUT_MS);
    return 'ok';
  } catch (error) {
    return `failing: ${(error as Error).message}`;
  }
}

/** Which process answered: the runner checks it, since another program may have taken a port it handed out. */
export interface ProcessIdentity {
  instance: string;
  pid: number;
}

/** `/healthz` answers while the process lives; `/readyz` only while every check passes. Both name the process. */
export function installHealth(
  app: FastifyInstance,
  checks: Record<string, ReadinessCheck>,
  state: HealthState,
  identity: ProcessIdentity,
  details: () => Record<string, unknown> = () => ({}),
  liveness: LivenessOptions = {},
): void {
  const stall = watchEventLoop(app, liveness);
  app.get('/healthz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const stalled = stall();
    if (!stalled) return { status: 'ok', ...identity };
    return sendProblem(
      reply,
      commonErrors.SERVICE_UNAVAILABLE(`The event loop was blocked for ${stalled.stalledMs} ms ${Math.round((Date.now() - stalled.at) / 1000)} s ago`, {
        extensions: { eventLoopStalledMs: stalled.stalledMs, ...identity },
      }),
    );
  });
  app.get('/readyz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check)] as const));
    const results = Object.fromEntries(entries);
    const failing = entries.filter(([, result]) => result !== 'ok').map(([name]) => name);
    if (state.draining) failing.push('shutting down');
    if (failing.length === 0) return { status: 'ready', checks: results, ...identity, ...details() };
    return sendProblem(
      reply,
      commonErrors.SERVICE_UNAVAILABLE(`Not ready: ${failing.join(', ')}`, { extensions: { checks: results, ...identity, ...details() } }),
    );
  });
}
