import type { FastifyInstance } from 'fastify';
import { sendProblem } from './error-handler.js';
import { commonErrors } from './problem.js';

/** A readiness check: resolves when the dependency works, throws (or rejects) when it does not. */
export type ReadinessCheck = () => Promise<unknown> | unknown;

export interface HealthState {
  /** Set when shutdown begins so load balancers stop sending new work. */
  draining: boolean;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([Promise.resolve().then(check), timeout]);
    return 'ok';
  } catch (error) {
    return `failing: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz` answers while the process lives; `/readyz` only while every check passes. */
export function installHealth(
  app: FastifyInstance,
  checks: Record<string, ReadinessCheck>,
  state: HealthState,
  details: () => Record<string, unknown> = () => ({}),
): void {
  app.get('/healthz', { schema: { hide: true }, config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check)] as const));
    const results = Object.fromEntries(entries);
    const failing = entries.filter(([, result]) => result !== 'ok').map(([name]) => name);
    if (state.draining) failing.push('shutting down');
    if (failing.length === 0) return { status: 'ready', checks: results, ...details() };
    return sendProblem(
      reply,
      commonErrors.SERVICE_UNAVAILABLE(`Not ready: ${failing.join(', ')}`, { extensions: { checks: results, ...details() } }),
    );
  });
}
