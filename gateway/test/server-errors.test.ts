import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '@microshop/kit';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { type RawResponse, rawExchange } from './raw-http.js';
import { type FakeService, gatewayTrust, startFakeService } from './upstream-fixture.js';

function assertProblem(response: RawResponse, status: number): void {
  assert.equal(response.status, status);
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.match(response.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(JSON.parse(response.body).status, status);
}

/** The gateway is built on the kit: what the HTTP server refuses at the edge is problem+json too. */
describe('gateway: errors raised by the HTTP server itself', () => {
  let catalog: FakeService;
  let gateway: App;
  let port: number;
  before(async () => {
    catalog = await startFakeService('catalog');
    gateway = await buildGateway(loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: `catalog=${catalog.url}`, LOG_LEVEL: 'silent' }));
    await gateway.listen({ port: 0, host: '127.0.0.1' });
    const address = gateway.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  after(async () => {
    await gateway?.close();
    await catalog?.close();
  });

  it('answers a malformed escape in a proxied path with 400, without asking the service', async () => {
    const hits = catalog.hits;
    assertProblem(await rawExchange(port, 'GET /api/products/%zz HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n'), 400);
    assert.equal(catalog.hits, hits);
  });

  it('answers headers too large with 431 and a URI too long with 414', async () => {
    assertProblem(await rawExchange(port, `GET /api/products HTTP/1.1\r\nHost: shop\r\nCookie: ${'c'.repeat(20_000)}\r\n\r\n`), 431);
    assertProblem(await rawExchange(port, `GET /api/products?q=${'q'.repeat(20_000)} HTTP/1.1\r\nHost: shop\r\n\r\n`), 414);
  });

  it('answers an Expect it cannot meet with 417', async () => {
    assertProblem(await rawExchange(port, 'POST /api/products HTTP/1.1\r\nHost: shop\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n'), 417);
  });
});
