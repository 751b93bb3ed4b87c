import { operations } from '@microshop/contracts';
import { type App, RUNNER_MESSAGE } from '@microshop/kit';
import { requireVerifiedAdmin } from '../auth/authenticate.js';

type Json = Record<string, unknown>;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The runner's report in the contract's shape: fields it left out are null, anything malformed is dropped. */
export function runnerView(message: unknown): Omit<operations.RunnerView, 'runner'> {
  const { autoscale, releases } = (message ?? {}) as { autoscale?: unknown; releases?: unknown };
  const scale = autoscale as Json | null | undefined;
  return {
    autoscale:
      scale && typeof scale === 'object' && Array.isArray(scale.decisions) && Array.isArray(scale.history) && typeof scale.bounds === 'object'
        ? (scale as operations.RunnerView['autoscale'])
        : null,
    releases: (Array.isArray(releases) ? (releases as Json[]) : [])
      .filter((r) => typeof r.service === 'string' && typeof r.startedAt === 'string' && Array.isArray(r.steps))
      .map((r) => ({
        service: r.service as string,
        startedAt: r.startedAt as string,
        script: text(r.script) ?? '',
        canary: text(r.canary),
        percent: typeof r.percent === 'number' ? r.percent : 0,
        state: text(r.state) ?? 'unknown',
        steps: r.steps as operations.ReleaseView['steps'],
        reason: text(r.reason),
        endedAt: text(r.endedAt),
      })),
  };
}

/** GET /api/admin/runner: the runner's latest report (its autoscaler and canary releases), for /ops. */
export function runnerRoutes(app: App): void {
  let latest: Omit<operations.RunnerView, 'runner'> = { autoscale: null, releases: [] };
  const onMessage = (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type === RUNNER_MESSAGE) latest = runnerView(message);
  };
  process.on('message', onMessage);
  app.addHook('onClose', async () => {
    process.off('message', onMessage);
  });
  app.get('/api/admin/runner', { schema: { response: { 200: operations.RunnerView } } }, async (request) => {
    requireVerifiedAdmin(request);
    return { runner: typeof process.send === 'function', ...latest };
  });
}
