import type { App } from '@microshop/kit';
import { requireVerifiedAdmin } from '../auth/authenticate.js';
import { SERVICES } from '../route-table.js';
import type { Upstreams } from '@microshop/kit';

/** GET /api/admin/status (admin; the policy guards it): every service's instances and their health. */
export function adminStatusRoute(app: App, upstreams: Upstreams): void {
  app.get('/api/admin/status', async (request) => {
    requireVerifiedAdmin(request);
    return {
      services: SERVICES.map((name) => ({
        name,
        instances: (upstreams.pool(name)?.instances ?? []).map((i) => ({ id: i.id, pid: i.pid ?? null, url: i.url, healthy: i.healthy })),
      })),
    };
  });
}
