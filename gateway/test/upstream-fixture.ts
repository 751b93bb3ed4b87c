import { acceptAnyQuery, type App, commonErrors, createApp } from '@microshop/kit';
import { type TestUser, testTrust, type TokenOptions } from '@microshop/testing';

export interface FakeService {
  app: App;
  url: string;
  hits: number;
  /** Its consumer group's dead letters, as the runtime's /internal routes list them; replay removes one. */
  deadLetters: Array<{ id: string; group: string; type: string; eventId: string; reason: string; attempts: number }>;
  close(): Promise<void>;
}

/**
 * A small real service that echoes what reached it: method, path, headers and body. Like every
 * service built on the runtime it answers /internal/bus and /internal/dead-letters; `busDelayMs`
 * makes those hang.
 */
export async function startFakeService(name: string, options: { slowMs?: number; busDelayMs?: number } = {}): Promise<FakeService> {
  const app = await createApp({ service: name, instanceId: `${name}-fake`, logLevel: 'silent' });
  // It echoes whatever reaches it, query strings included.
  acceptAnyQuery(app);
  const state = { hits: 0 };
  const deadLetters: FakeService['deadLetters'] = [
    { id: '1', group: name, type: 'orders.order.placed', eventId: `evt-${name}-1`, reason: 'failed 5 times: boom', attempts: 5 },
  ];
  const busDelay = () => new Promise((r) => setTimeout(r, options.busDelayMs ?? 0));
  app.get('/internal/bus', async () => {
    await busDelay();
    return { group: name, types: ['orders.order.placed'], pending: 3, deadLetters: deadLetters.length };
  });
  app.get('/internal/dead-letters', async () => {
    await busDelay();
    // A body the gateway must not pass on.
    return { items: deadLetters.map((letter) => ({ ...letter, body: '{"secret":true}' })) };
  });
  app.post<{ Params: { id: string } }>('/internal/dead-letters/:id/replay', async (request, reply) => {
    const index = deadLetters.findIndex((letter) => letter.id === request.params.id);
    if (index < 0) throw commonErrors.NOT_FOUND(`${name} has no dead letter ${request.params.id}`);
    deadLetters.splice(index, 1);
    return reply.code(202).send({ replayed: request.params.id });
  });
  const echo = async (request: { method: string; url: string; headers: Record<string, unknown>; body: unknown }) => {
    state.hits++;
    return { service: name, method: request.method, url: request.url, headers: request.headers, body: request.body ?? null };
  };
  app.get('/api/products/slow', async () => {
    await new Promise((r) => setTimeout(r, options.slowMs ?? 2_000));
    return { slow: true };
  });
  app.get('/api/products/broken', async (_request, reply) => {
    state.hits++;
    return reply.code(500).send({ broken: true });
  });
  app.get('/api/products/unavailable', async (_request, reply) => {
    state.hits++;
    return reply.code(503).send({ unavailable: true });
  });
  app.get('/api/products/teapot', async (_request, reply) => reply.code(418).header('x-custom', 'yes').send({ short: 'and stout' }));
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: '/api/products', handler: echo });
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: '/api/products/:id', handler: echo });
  app.route({ method: ['GET'], url: '/api/categories', handler: echo });
  app.route({ method: ['GET'], url: '/api/cart', handler: echo });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    deadLetters,
    close: () => app.close(),
  };
}

export interface FakeIdentity {
  url: string;
  /** A token for `user`, signed with identity's key from the test trust bundle (or a forged, expired or exp-less one). */
  token(user: TestUser, options?: TokenOptions): Promise<string>;
  /** The Authorization header carrying a token for `user`. */
  bearer(user: { id: string; role: string }): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

/** The gateway's key material in the test trust bundle, to spread into its configuration. */
export const gatewayTrust = (await testTrust()).env('gateway');

/** Identity as the gateway sees it: a service at /api/auth/*, and tokens signed by the bundle's key. */
export async function startFakeIdentity(): Promise<FakeIdentity> {
  const trust = await testTrust();
  const app = await createApp({ service: 'identity', instanceId: 'identity-fake', logLevel: 'silent' });
  app.get('/.well-known/jwks.json', async () => ({ keys: trust.bundle.identity.keys }));
  app.get('/api/auth/me', async (request) => ({ headers: request.headers }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token: (user, options) => trust.userToken(user, options),
    bearer: async (user) => ({ authorization: `Bearer ${await trust.userToken(user)}` }),
    close: () => app.close(),
  };
}
