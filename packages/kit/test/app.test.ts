import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from 'typebox';
import { type App, BODY_LIMIT_BYTES, createApp, defineErrors } from '../src/index.js';

const errors = defineErrors({ WIDGET_NOT_FOUND: { status: 404, title: 'Widget not found' } });

async function buildTestApp(readiness: Record<string, () => unknown> = {}): Promise<App> {
  const app = await createApp({ service: 'widgets', instanceId: 'widgets-1', logLevel: 'silent', readiness });
  app.post(
    '/widgets',
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            size: Type.Integer({ minimum: 1, maximum: 10 }),
            tags: Type.Optional(Type.Array(Type.String())),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => reply.code(201).send({ created: request.body }),
  );
  app.get(
    '/widgets',
    {
      schema: {
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, { additionalProperties: false }),
      },
    },
    async (request) => ({ limit: request.query.limit ?? null }),
  );
  app.get('/widgets/:id', async () => {
    throw errors.WIDGET_NOT_FOUND('No widget with that id');
  });
  app.get('/boom', async () => {
    throw new Error('secret database password in a stack trace');
  });
  app.get('/slow', async () => {
    await new Promise((r) => setTimeout(r, 300));
    return { done: true };
  });
  return app;
}

describe('createApp', () => {
  let app: App;
  before(async () => {
    app = await buildTestApp();
  });
  after(() => app.close());

  it('answers a valid request', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets', payload: { name: 'a', size: 3 } });
    assert.equal(response.statusCode, 201);
    assert.deepEqual(response.json(), { created: { name: 'a', size: 3 } });
  });

  it('rejects wrong types, out-of-range values and unknown fields, naming each', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets', payload: { name: 7, size: 11, color: 'red' } });
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    const body = response.json();
    assert.equal(body.status, 400);
    assert.equal(body.type, 'urn:microshop:problem:validation-failed');
    const paths = body.errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ['color', 'name', 'size']);
  });

  it('does not coerce body types: a numeric string is not a number', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets', payload: { name: 'a', size: '3' } });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json().errors, [{ path: 'size', message: 'must be integer' }]);
  });

  it('names a missing required field', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets', payload: { name: 'a' } });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json().errors, [{ path: 'size', message: 'is required' }]);
  });

  it('coerces query strings and rejects unknown query parameters', async () => {
    assert.deepEqual((await app.inject({ url: '/widgets?limit=5' })).json(), { limit: 5 });
    const bad = await app.inject({ url: '/widgets?limit=0&extra=1' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
      ['query.extra', 'query.limit'],
    );
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/widgets',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().type, 'urn:microshop:problem:malformed-json');
    assert.deepEqual(response.json().errors, [{ path: 'body', message: 'is not valid JSON' }]);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const payload = JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES), size: 1 });
    const response = await app.inject({ method: 'POST', url: '/widgets', headers: { 'content-type': 'application/json' }, payload });
    assert.equal(response.statusCode, 413);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  });

  it('answers an unsupported media type with 415', async () => {
    const response = await app.inject({ method: 'POST', url: '/widgets', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    assert.equal(response.statusCode, 415);
    assert.equal(response.json().status, 415);
  });

  it('turns catalog errors into their status and code', async () => {
    const response = await app.inject({ url: '/widgets/9' });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), {
      type: 'urn:microshop:problem:widget-not-found',
      title: 'Widget not found',
      status: 404,
      detail: 'No widget with that id',
      instance: '/widgets/9',
    });
  });

  it('answers an unknown route with 404 problem+json', async () => {
    const response = await app.inject({ url: '/nothing-here' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().type, 'urn:microshop:problem:not-found');
  });

  it('hides the internals of an unexpected error behind a 500', async () => {
    const response = await app.inject({ url: '/boom' });
    assert.equal(response.statusCode, 500);
    assert.doesNotMatch(response.body, /secret|stack|Error:/);
    assert.equal(response.json().type, 'urn:microshop:problem:internal');
  });

  it('echoes a sane X-Request-Id and replaces an insane one', async () => {
    const sane = await app.inject({ url: '/widgets', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(sane.headers['x-request-id'], 'abc-123');
    const insane = await app.inject({ url: '/widgets', headers: { 'x-request-id': 'has spaces <and> stuff' } });
    assert.match(String(insane.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const none = await app.inject({ url: '/widgets' });
    assert.match(String(none.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('serves /healthz, /readyz and Prometheus /metrics by route and status', async () => {
    assert.deepEqual((await app.inject({ url: '/healthz' })).json(), { status: 'ok', instance: 'widgets-1', pid: process.pid });
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    await app.inject({ url: '/widgets?limit=2' });
    const metrics = await app.inject({ url: '/metrics' });
    assert.match(String(metrics.headers['content-type']), /^text\/plain/);
    const has = (pattern: RegExp) => assert.ok(pattern.test(metrics.body), `no line matches ${pattern}`);
    has(/^http_requests_total\{method="GET",route="\/widgets",status="200",service="widgets",instance="widgets-1"\} \d+$/m);
    has(/^http_request_duration_seconds_bucket\{[^}]*method="GET",route="\/widgets",status="200"[^}]*\} \d+$/m);
    has(/^process_resident_memory_bytes\{/m);
  });

  it('publishes an OpenAPI 3.1 document built from the route schemas', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/widgets'].post.requestBody);
    assert.equal(doc.paths['/healthz'], undefined, 'operational routes stay out of the API reference');
  });
});

describe('readiness', () => {
  it('answers 503 problem+json naming the failing check', async () => {
    const app = await buildTestApp({
      database: () => {
        throw new Error('connection refused');
      },
    });
    try {
      const response = await app.inject({ url: '/readyz' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().checks.database, 'failing: connection refused');
      assert.match(response.json().detail, /database/);
    } finally {
      await app.close();
    }
  });

  it('reports not ready while draining', async () => {
    const app = await buildTestApp();
    try {
      app.health.draining = true;
      const response = await app.inject({ url: '/readyz' });
      assert.equal(response.statusCode, 503);
      assert.match(response.json().detail, /shutting down/);
    } finally {
      await app.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight before closing', async () => {
    const app = await buildTestApp();
    // Closing starts once the request is in (a fixed pause raced the client's first connection).
    const arrived = new Promise<void>((resolve) => {
      app.addHook('onRequest', (request, _reply, done) => {
        if (request.url === '/slow') resolve();
        done();
      });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await arrived;
    const closed = app.close();
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { done: true });
    await closed;
  });
});
