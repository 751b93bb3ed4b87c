import { type App, commonErrors, createApp } from '@microshop/kit';

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
  /** A token for `user`, signed with the current key (or `options.key`, or expired). */
  token(user: { id: string; role: string; email?: string; name?: string }, options?: { expiresIn?: string; foreign?: boolean }): Promise<string>;
  /** The Authorization header carrying a token for `user`. */
  bearer(user: { id: string; role: string }): Promise<{ authorization: string }>;
  /** Adds a new signing key (a rotation) and signs with it from now on. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

/** Identity as the gateway sees it: a JWKS endpoint, and tokens signed by its keys. */
export async function startFakeIdentity(): Promise<FakeIdentity> {
  const { SignJWT, exportJWK, generateKeyPair } = await import('jose');
  const { TOKEN_AUDIENCE, TOKEN_ISSUER } = await import('@microshop/contracts');
  type Key = { kid: string; privateKey: Parameters<InstanceType<typeof SignJWT>['sign']>[0]; jwk: Record<string, unknown> };
  const makeKey = async (kid: string): Promise<Key> => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  };
  const keys: Key[] = [await makeKey('key-1')];
  const foreign = await makeKey('key-1');
  const app = await createApp({ service: 'identity', instanceId: 'identity-fake', logLevel: 'silent' });
  app.get('/.well-known/jwks.json', async () => ({ keys: keys.map((k) => k.jwk) }));
  app.get('/api/auth/me', async (request) => ({ headers: request.headers }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const token: FakeIdentity['token'] = async (user, options = {}) => {
    const key = options.foreign ? foreign : (keys.at(-1) as Key);
    return new SignJWT({ role: user.role, email: user.email ?? `${user.id}@example.com`, name: user.name ?? 'Test User' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '1h')
      .sign(key.privateKey);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    bearer: async (user) => ({ authorization: `Bearer ${await token(user)}` }),
    async rotate() {
      keys.push(await makeKey(`key-${keys.length + 1}`));
    },
    close: () => app.close(),
  };
}
