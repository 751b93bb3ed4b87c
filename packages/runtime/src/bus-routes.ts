// Its types give route schemas the `hide` the kit's OpenAPI document honours.
import type {} from '@fastify/swagger';
import { type App, commonErrors } from '@microshop/kit';
import { type EventBus, type MessagingTables, UnknownDeadLetterError } from '@microshop/messaging';

/** A dead letter as the operations dashboard sees it; the body stays on the bus (it may hold personal data). */
function summary(letter: { id: string; group: string; type: string; eventId: string | undefined; reason: string; attempts: number }) {
  return { id: letter.id, group: letter.group, type: letter.type, eventId: letter.eventId ?? null, reason: letter.reason, attempts: letter.attempts };
}

/**
 * The service's view of its consumer group, for the gateway's operations dashboard. Under
 * /internal, which the gateway does not route, and only for callers with a service credential.
 */
export function busRoutes<DB extends MessagingTables>(app: App, bus: EventBus<DB>): void {
  const { transport, group } = bus;
  const ownLetters = async () => (await transport.deadLetters(group)).map(summary);

  app.get('/internal/bus', { schema: { hide: true }, config: { access: 'service' } }, async () => {
    const [pending, deadLetters] = await Promise.all([transport.pending(group), transport.deadLetterCount(group)]);
    return { group, types: bus.types, pending, deadLetters };
  });

  app.get('/internal/dead-letters', { schema: { hide: true }, config: { access: 'service' } }, async () => ({ items: await ownLetters() }));

  app.post<{ Params: { id: string } }>('/internal/dead-letters/:id/replay', { schema: { hide: true }, config: { access: 'service' } }, async (request, reply) => {
    const { id } = request.params;
    const notFound = () => commonErrors.NOT_FOUND(`${group} has no dead letter ${id}`, { extensions: { group } });
    // Ids are the transport's, shared by every group (NATS keeps one dead-letter stream):
    // a service replays only its own group's, never another service's by guessing its id.
    if (!(await ownLetters()).some((letter) => letter.id === id)) throw notFound();
    try {
      await transport.replay(id);
    } catch (error) {
      // Replayed by someone else since the check (a second click, another instance).
      if (error instanceof UnknownDeadLetterError) throw notFound();
      throw error;
    }
    return reply.code(202).send({ replayed: id });
  });
}
