import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { until } from '@microshop/testing';
import { type App, createApp } from '@microshop/kit';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { rawExchange } from './raw-http.js';
import { gatewayTrust } from './upstream-fixture.js';

/** Whether the endless answer's connection from the gateway is closed. */
const endless = { started: 0, closed: 0 };

/** A catalog whose answers carry hop-by-hop headers of its own connection to the gateway. */
async function startHopCatalog(): Promise<{ app: App; url: string }> {
  const app = await createApp({ service: 'catalog', instanceId: 'catalog-hop', logLevel: 'silent' });
  app.get('/api/products', async () => ({ items: [] }));
  app.get('/api/products/hop', async (_request, reply) =>
    reply
      .header('connection', 'keep-alive, x-hop')
      .header('x-hop', 'for the gateway only')
      .header('keep-alive', 'timeout=99')
      .header('proxy-connection', 'keep-alive')
      .header('upgrade', 'h2c')
      .header('x-kept', 'yes')
      .send({ hop: true }),
  );
  // An answer broken off after its headers and a tenth of the body it announced.
  app.get('/api/products/cut', async (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    reply.raw.write('{"items":[');
    setTimeout(() => reply.raw.socket?.destroy(), 50);
  });
  // An answer that never ends, of unknown length: piped, a chunk every 20 ms.
  app.get('/api/products/endless', async (_request, reply) => {
    reply.hijack();
    endless.started++;
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const timer = setInterval(() => reply.raw.write('{"more":true}\n'), 20);
    reply.raw.once('close', () => {
      clearInterval(timer);
      endless.closed++;
    });
  });
  // One larger than the gateway reads whole, which it pipes instead.
  app.get('/api/products/big', async () => ({ items: Array.from({ length: 4_000 }, (_, i) => ({ id: `prod-${i}`, name: 'x'.repeat(20) })) }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

describe('gateway: connection management on proxied routes', () => {
  let catalog: Awaited<ReturnType<typeof startHopCatalog>>;
  let gateway: App;
  let port: number;
  before(async () => {
    catalog = await startHopCatalog();
    gateway = await buildGateway(loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: `catalog=${catalog.url}`, LOG_LEVEL: 'silent' }));
    await gateway.listen({ port: 0, host: '127.0.0.1' });
    const address = gateway.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  after(async () => {
    await gateway?.close();
    await catalog?.app.close();
  });

  it('honours Connection: close: the answer says so and the connection ends', async () => {
    const response = await rawExchange(port, 'GET /api/products HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n', 3_000);
    assert.equal(response.status, 200);
    assert.equal(response.headers.connection, 'close');
    assert.equal(response.headers['keep-alive'], undefined);
    assert.ok(response.closedAfterMs < 1_000, `closed after ${response.closedAfterMs} ms`);
  });

  it('never passes on the service’s hop-by-hop headers', async () => {
    const response = await rawExchange(port, 'GET /api/products/hop HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n', 3_000);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { hop: true });
    assert.equal(response.headers['x-kept'], 'yes', 'end-to-end headers pass');
    assert.equal(response.headers.connection, 'close');
    for (const name of ['x-hop', 'keep-alive', 'proxy-connection', 'upgrade']) assert.equal(response.headers[name], undefined, name);
    assert.ok(response.closedAfterMs < 1_000, `closed after ${response.closedAfterMs} ms`);
  });

  it('keeps a connection open for a client that does not ask to close it, with its own keep-alive terms', async () => {
    const response = await rawExchange(port, 'GET /api/products/hop HTTP/1.1\r\nHost: shop\r\n\r\n', 500);
    assert.equal(response.status, 200);
    assert.equal(response.headers.connection, 'keep-alive');
    assert.notEqual(response.headers['keep-alive'], 'timeout=99');
    assert.equal(response.closedAfterMs, Number.POSITIVE_INFINITY);
  });

  it('answers 502 when the service breaks off an answer it said was small, and passes a large one whole', async () => {
    const cut = await gateway.inject({ url: '/api/products/cut' });
    assert.equal(cut.statusCode, 502);
    assert.match(String(cut.headers['content-type']), /^application\/problem\+json/);
    assert.equal(cut.json().status, 502);
    const big = await gateway.inject({ url: '/api/products/big' });
    assert.equal(big.statusCode, 200);
    assert.ok(big.rawPayload.length > 64 * 1024, `${big.rawPayload.length} bytes`);
    assert.equal((big.json() as { items: unknown[] }).items.length, 4_000);
  });

  it('closes its connection to the service when the client goes away in the middle of a piped answer', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /api/products/endless HTTP/1.1\r\nHost: shop\r\n\r\n');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    await until('the answer is flowing', async () => received.split('{"more":true}').length > 2, 5_000);
    assert.equal(endless.closed, 0);
    socket.destroy();
    // Else the gateway would hold the service's connection, paused, until its body timeout.
    await until('the service saw its connection closed', async () => endless.closed === 1, 5_000);
    assert.equal(endless.started, 1);
  });
});
