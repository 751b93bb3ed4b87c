import { type App, requireAdmin } from '@microshop/kit';
import { SERVICES } from '../route-table.js';
import type { Upstreams } from '../upstreams/pool.js';

/** GET /api/admin/status (admin; the policy guards it): every service's instances and their health. */
export function adminStatusRoute(app: App, upstreams: Upstreams): void {
  app.get('/api/admin/status', async (request) => {
    // The edge already checked the policy; checked again here, on the verified user itself.
    if (request.verifiedUser?.role !== 'admin') requireAdmin({ headers: {} });
    return {
      services: SERVICES.map((name) => ({
        name,
        instances: (upstreams.pool(name)?.instances ?? []).map((i) => ({ id: i.id, pid: i.pid ?? null, url: i.url, healthy: i.healthy })),
      })),
    };
  });
}
