import { type App, createApp } from '@microshop/kit';

export interface FakeService {
  app: App;
  url: string;
  hits: number;
  close(): Promise<void>;
}

/** A small real service that echoes what reached it: method, path, headers and body. */
export async function startFakeService(name: string, options: { slowMs?: number } = {}): Promise<FakeService> {
  const app = await createApp({ service: name, instanceId: `${name}-fake`, logLevel: 'silent' });
  const state = { hits: 0 };
  const echo = async (request: { method: string; url: string; headers: Record<string, unknown>; body: unknown }) => {
    state.hits++;
    return { service: name, method: request.method, url: request.url, headers: request.headers, body: request.body ?? null };
  };
  app.get('/api/products/slow', async () => {
    await new Promise((r) => setTimeout(r, options.slowMs ?? 2_000));
    return { slow: true };
  });
  app.get('/api/products/teapot', async (_request, reply) => reply.code(418).header('x-custom', 'yes').send({ short: 'and stout' }));
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: '/api/products', handler: echo });
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: '/api/products/:id', handler: echo });
  app.route({ method: ['GET'], url: '/api/categories', handler: echo });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    close: () => app.close(),
  };
}
