import { operations } from '@microshop/contracts';
import { type App, commonErrors, REQUEST_ID_HEADER, ServiceClient, type Trust } from '@microshop/kit';
import { requireVerifiedAdmin } from '../auth/authenticate.js';
import { SERVICES } from '../route-table.js';
import { fetchPart, internalHeaders } from '../upstreams/fetch-part.js';
import type { Upstreams } from '@microshop/kit';
import { noInstance } from './proxy.js';

/** What a service's /internal/dead-letters lists per letter; anything else it sends is dropped. */
interface ServiceLetter {
  id?: unknown;
  group?: unknown;
  type?: unknown;
  eventId?: unknown;
  reason?: unknown;
  attempts?: unknown;
}

/** A letter as the dashboard shows it, or undefined when the service sent something of another shape. */
function viewOf(service: string, { id, group, type, eventId, reason, attempts }: ServiceLetter): operations.DeadLetterView | undefined {
  if (typeof id !== 'string' || typeof group !== 'string' || typeof type !== 'string' || typeof reason !== 'string') return undefined;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts)) return undefined;
  return { service, id, group, type, reason, attempts, ...(typeof eventId === 'string' ? { eventId } : {}) };
}

/** One service's dead letters, named for the dashboard; undefined when the service could not be asked. */
async function lettersOf(upstreams: Upstreams, trust: Trust, service: string): Promise<operations.DeadLetterView[] | undefined> {
  const items = ((await fetchPart(upstreams, service, '/internal/dead-letters', await internalHeaders(trust, service))) as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items)) return undefined;
  return (items as ServiceLetter[]).flatMap((letter) => viewOf(service, letter) ?? []);
}

/**
 * The dead letters of every service's consumer group (admin): listed through each service's
 * /internal routes, replayed through one healthy instance of the owning service.
 */
export function deadLetterRoutes(app: App, upstreams: Upstreams, trust: Trust): void {
  // The response schema also drops whatever else a service's letters carry (their bodies).
  app.get('/api/admin/dead-letters', { schema: { response: { 200: operations.DeadLetterList } } }, async (request) => {
    requireVerifiedAdmin(request);
    const answers = await Promise.all(SERVICES.map((service) => lettersOf(upstreams, trust, service)));
    return {
      items: answers.flatMap((letters) => letters ?? []),
      unavailable: SERVICES.filter((_service, index) => answers[index] === undefined),
    };
  });

  app.post<{ Params: { service: string; id: string } }>('/api/admin/dead-letters/:service/:id/replay', async (request, reply) => {
    requireVerifiedAdmin(request);
    const { service, id } = request.params;
    if (!(SERVICES as readonly string[]).includes(service)) throw commonErrors.NOT_FOUND(`There is no service ${service}`);
    const instance = upstreams.pool(service)?.pick();
    if (!instance) throw noInstance(service);
    // The kit's client turns no connection, a timeout or a broken answer into a 503/504/502 naming the service.
    const answer = await new ServiceClient(service, [instance.url], trust).request<{ detail?: unknown }>(
      'POST',
      `/internal/dead-letters/${encodeURIComponent(id)}/replay`,
      { headers: { [REQUEST_ID_HEADER]: request.id } },
    );
    if (answer.status === 202) return reply.code(202).send({ replayed: id });
    if (answer.status === 404) {
      const detail = typeof answer.body?.detail === 'string' ? answer.body.detail : `${service} has no dead letter ${id}`;
      throw commonErrors.NOT_FOUND(detail, { extensions: { service } });
    }
    throw commonErrors.BAD_GATEWAY(`The ${service} service answered ${answer.status} to the replay`, { extensions: { service } });
  });
}
