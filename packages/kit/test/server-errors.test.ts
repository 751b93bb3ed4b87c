import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type App, createApp } from '../src/index.js';
import { type RawResponse, rawExchange } from './raw-http.js';

async function listening(options: { requestTimeoutMs?: number } = {}): Promise<{ app: App; port: number }> {
  const app = await createApp({ service: 'widgets', instanceId: 'widgets-1', logLevel: 'silent', ...options });
  app.get('/widgets/:id', async () => ({ ok: true }));
  app.post('/widgets', async () => ({ ok: true }));
  app.get('/slow', async () => {
    await new Promise((r) => setTimeout(r, 1_500));
    return { done: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}

/** RFC 9457 problem+json with the request id header, as every other error of the kit. */
function assertProblem(response: RawResponse, status: number, requestId: RegExp = /^[0-9a-f-]{36}$/): void {
  assert.equal(response.status, status);
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.match(response.headers['x-request-id'] ?? '', requestId);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  assert.match(String(body.type), /^urn:microshop:problem:/);
  assert.equal(typeof body.title, 'string');
  assert.equal(body.status, status);
  assert.equal(typeof body.detail, 'string');
}

describe('errors raised by the HTTP server itself', () => {
  let app: App;
  let port: number;
  before(async () => {
    ({ app, port } = await listening());
  });
  after(() => app.close());

  it('answers a malformed percent-escape in the path with 400 problem+json', async () => {
    assertProblem(await rawExchange(port, 'GET /widgets/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 400);
  });

  it('answers a path parameter longer than the router takes with 414 problem+json', async () => {
    assertProblem(await rawExchange(port, `GET /widgets/${'a'.repeat(500)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 414);
  });

  it('answers a request the parser cannot read with 400 problem+json and closes', async () => {
    const response = await rawExchange(port, 'GET /widgets/1 HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n');
    assertProblem(response, 400);
    assert.ok(response.closedAfterMs < 1_000);
  });

  it('answers a URI too long for the parser with 414 problem+json', async () => {
    assertProblem(await rawExchange(port, `GET /widgets?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`), 414);
  });

  it('answers headers too large with 431 problem+json', async () => {
    assertProblem(await rawExchange(port, `GET /widgets/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`), 431);
  });

  it('answers chunk extensions too large with 413 problem+json', async () => {
    const request = `POST /widgets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;e=${'x'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`;
    assertProblem(await rawExchange(port, request), 413);
  });

  it('answers a body over the limit with 413 problem+json', async () => {
    const request = `POST /widgets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\nConnection: close\r\n\r\n{`;
    assertProblem(await rawExchange(port, request), 413);
  });

  it('answers an Expect other than 100-continue with 417 problem+json, keeping a sane request id', async () => {
    const request = 'POST /widgets HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\nX-Request-Id: tea-417\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
    assertProblem(await rawExchange(port, request), 417, /^tea-417$/);
  });
});

describe('request timeouts', () => {
  it('gives headers and bodies 30 s by default, checked every few seconds', async () => {
    const { app } = await listening();
    try {
      assert.equal(app.server.headersTimeout, 30_000);
      assert.equal(app.server.requestTimeout, 30_000);
      const { connectionsCheckingInterval } = app.server as typeof app.server & { connectionsCheckingInterval: number };
      assert.ok(connectionsCheckingInterval <= 5_000, `checked every ${connectionsCheckingInterval} ms`);
    } finally {
      await app.close();
    }
  });

  describe('with a 1 s timeout', () => {
    let app: App;
    let port: number;
    before(async () => {
      ({ app, port } = await listening({ requestTimeoutMs: 1_000 }));
    });
    after(() => app.close());

    it('answers headers that never finish with 408 problem+json and drops the connection', async () => {
      const response = await rawExchange(port, 'GET /widgets/1 HTTP/1.1\r\nHost: x\r\n', 4_000);
      assertProblem(response, 408);
      assert.ok(response.closedAfterMs < 2_000, `closed after ${response.closedAfterMs} ms`);
    });

    it('answers a body that never finishes with 408 problem+json and drops the connection', async () => {
      const request = 'POST /widgets HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow-1\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"name":';
      const response = await rawExchange(port, request, 4_000);
      assertProblem(response, 408, /^slow-1$/);
      assert.ok(response.closedAfterMs < 2_000, `closed after ${response.closedAfterMs} ms`);
    });

    it('does not cut off a handler that takes longer than the timeout', async () => {
      const response = await rawExchange(port, 'GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 4_000);
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), { done: true });
    });
  });
});
