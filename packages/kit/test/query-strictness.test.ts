import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from 'typebox';
import { acceptAnyQuery, type App, createApp } from '../src/index.js';

/** A querystring schema as a contract might declare it: it lists parameters and says nothing about others. */
const ListQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1 })) });

describe('unknown query parameters', () => {
  let app: App;
  before(async () => {
    app = await createApp({ service: 'widgets', instanceId: 'widgets-1', logLevel: 'silent' });
    app.get('/plain', async () => ({ ok: true }));
    app.post('/plain', async () => ({ ok: true }));
    app.get('/listed', { schema: { querystring: ListQuery } }, async (request) => ({ limit: request.query.limit ?? null }));
    await app.register(async (pages) => {
      acceptAnyQuery(pages);
      pages.get('/page', async (request) => ({ query: request.query }));
      await pages.register(async (nested) => {
        nested.get('/page/nested', async () => ({ ok: true }));
      });
    });
  });
  after(() => app.close());

  const paths = async (url: string, method: 'GET' | 'POST' = 'GET') => {
    const response = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
    assert.equal(response.statusCode, 400, `${method} ${url} answered ${response.statusCode}`);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    const body = response.json();
    assert.equal(body.type, 'urn:microshop:problem:validation-failed');
    return (body.errors as Array<{ path: string; message: string }>).map((e) => `${e.path} ${e.message}`).sort();
  };

  it('are refused on a route that declares no query string, each named', async () => {
    assert.deepEqual(await paths('/plain?x=1&y=2'), ['query.x is not an allowed field', 'query.y is not an allowed field']);
    assert.deepEqual(await paths('/plain?x=1', 'POST'), ['query.x is not an allowed field']);
    assert.equal((await app.inject({ url: '/plain' })).statusCode, 200);
  });

  it('are refused on a route whose query schema lists others, without changing the shared schema', async () => {
    assert.deepEqual(await paths('/listed?limit=2&cachebust=1'), ['query.cachebust is not an allowed field']);
    assert.deepEqual((await app.inject({ url: '/listed?limit=2' })).json(), { limit: 2 });
    assert.equal((ListQuery as { additionalProperties?: unknown }).additionalProperties, undefined);
  });

  it('are refused on the operational routes too', async () => {
    for (const url of ['/healthz?x=1', '/readyz?x=1', '/metrics?x=1', '/openapi.json?x=1']) assert.deepEqual(await paths(url), ['query.x is not an allowed field']);
  });

  it('are taken by the routes of a scope that accepts any query, and only there', async () => {
    assert.deepEqual((await app.inject({ url: '/page?utm_source=mail&v=3' })).json(), { query: { utm_source: 'mail', v: '3' } });
    assert.equal((await app.inject({ url: '/page/nested?v=3' })).statusCode, 200);
    assert.deepEqual(await paths('/plain?v=3'), ['query.v is not an allowed field']);
  });
});
