import { operations } from '@microshop/contracts';
import { type App, commonErrors } from '@microshop/kit';
import { Type } from 'typebox';
import { requireVerifiedAdmin } from '../auth/authenticate.js';
import type { FaultInjector } from '../faults.js';
import { SERVICES } from '../route-table.js';

const ServiceParams = Type.Object({ service: Type.String({ minLength: 1, maxLength: 64 }) });

function known(service: string): string {
  if (!(SERVICES as readonly string[]).includes(service)) throw commonErrors.NOT_FOUND(`There is no service ${service}`);
  return service;
}

/** The admin's switch for injected faults: list them, set one service's, clear it. */
export function faultRoutes(app: App, faults: FaultInjector): void {
  app.get('/api/admin/faults', { schema: { response: { 200: operations.FaultList } } }, async (request) => {
    requireVerifiedAdmin(request);
    return { items: faults.list() };
  });

  app.put<{ Params: { service: string }; Body: operations.FaultSettings }>(
    '/api/admin/faults/:service',
    { schema: { params: ServiceParams, body: operations.FaultSettings, response: { 200: operations.FaultView } } },
    async (request) => {
      const admin = requireVerifiedAdmin(request);
      const service = known(request.params.service);
      faults.set(service, request.body);
      request.log.warn({ service, fault: request.body, by: admin.id }, 'fault injection set');
      return { service, ...request.body };
    },
  );

  app.delete<{ Params: { service: string } }>('/api/admin/faults/:service', { schema: { params: ServiceParams } }, async (request, reply) => {
    const admin = requireVerifiedAdmin(request);
    const service = known(request.params.service);
    if (faults.clear(service)) request.log.warn({ service, by: admin.id }, 'fault injection cleared');
    return reply.code(204).send();
  });
}
