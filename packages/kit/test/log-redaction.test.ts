import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acceptAnyQuery, type App, createApp } from '../src/index.js';
import { redactUrl } from '../src/redact-url.js';
import { rawExchange } from './raw-http.js';

const SECRET = 's3cr3t-t0ken-value';

/** The spellings a client (or an attacker hoping for a leak) might use for the two parameters. */
const SPELLINGS = [
  `token=${SECRET}`,
  `access_token=${SECRET}`,
  `TOKEN=${SECRET}`,
  `Access_Token=${SECRET}`,
  `%74oken=${SECRET}`,
  `%2574oken=${SECRET}`,
  `access%5Ftoken=${SECRET}`,
  `token[]=${SECRET}`,
  `token%5B0%5D=${SECRET}`,
  `token=other&token=${SECRET}`,
  `a=1;token=${SECRET}`,
  `to+ken=keep&+token+=${SECRET}`,
];

describe('redactUrl', () => {
  it('replaces the value of every spelling of token and access_token', () => {
    for (const query of SPELLINGS) {
      const redacted = redactUrl(`/api/things?x=1&${query}&y=2`);
      assert.doesNotMatch(redacted, new RegExp(SECRET), query);
      assert.match(redacted, /=REDACTED/, query);
      assert.match(redacted, /^\/api\/things\?x=1&.*&y=2$/, `${query}: the other parameters stay`);
    }
  });

  it('leaves other parameters and URLs without a query alone', () => {
    assert.equal(redactUrl('/api/things?tokens=1&tokenizer=2&q=token'), '/api/things?tokens=1&tokenizer=2&q=token');
    assert.equal(redactUrl('/api/token/abc'), '/api/token/abc');
  });
});

describe('the per-request log line', () => {
  const lines: string[] = [];
  let app: App;
  let port: number;
  before(async () => {
    app = await createApp({
      service: 'widgets',
      instanceId: 'widgets-1',
      logLevel: 'info',
      logDestination: { write: (line: string) => lines.push(line) },
    });
    app.get('/widgets/:id', async () => ({ ok: true }));
    await app.register(async (pages) => {
      acceptAnyQuery(pages);
      pages.get('/page', async () => ({ ok: true }));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  after(() => app.close());

  it('never holds a token from the query string, whatever the answer', async () => {
    for (const query of SPELLINGS) {
      for (const path of ['/page', '/widgets/1', '/nothing-here']) {
        await app.inject({ url: `${path}?${query}` });
      }
    }
    // Refused by the router before any route runs.
    await rawExchange(port, `GET /widgets/%zz?token=${SECRET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    await rawExchange(port, `POST /page?token=${SECRET} HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\nContent-Length: 0\r\n\r\n`);
    const log = lines.join('');
    assert.ok(lines.length >= SPELLINGS.length * 3 + 2, `${lines.length} lines`);
    assert.match(log, /token=REDACTED/);
    assert.doesNotMatch(log, new RegExp(SECRET));
  });
});
