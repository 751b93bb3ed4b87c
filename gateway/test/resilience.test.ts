import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServicePool, Upstreams } from '@microshop/kit';
import type { FastifyBaseLogger } from 'fastify';
import { RetryBudget } from '@microshop/kit';
import { startFakeService, gatewayTrust } from './upstream-fixture.js';

const quiet = () => undefined;
const silent = { debug: quiet, info: quiet, warn: quiet, error: quiet } as unknown as FastifyBaseLogger;

describe('balancing and resilience', () => {
  it('sends work to the less busy of two healthy instances', () => {
    const pool = new ServicePool('catalog', ['http://a', 'http://b', 'http://c']);
    for (const instance of pool.instances) instance.healthy = true;
    const [a, b, c] = pool.instances;
    if (!a || !b || !c) throw new Error('three instances');
    a.inflight = 50;
    b.inflight = 50;
    c.inflight = 0;
    const picks = Array.from({ length: 300 }, () => pool.pick());
    // c loses only when the two sampled are a and b (1 in 3); it is never passed over for them otherwise.
    assert.ok(picks.filter((p) => p === c).length > 150);
    c.healthy = false;
    assert.ok(Array.from({ length: 50 }, () => pool.pick()).every((p) => p === a || p === b));
    assert.equal(pool.pick(a), b, 'never the excluded instance');
  });

  it('keeps a busy instance whose check timed out while it went on answering, and marks a silent one down', async () => {
    // A /readyz that answers after the check's limit: behind the queue of a busy instance, or a hung one.
    const server = createServer((_request, response) => {
      setTimeout(() => response.end('{}'), 300).unref();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const upstreams = new Upstreams({ catalog: [url] }, silent, 100);
    try {
      const instance = upstreams.pool('catalog')?.instances[0];
      if (!instance) throw new Error('one instance');
      instance.healthy = true;
      const busy = upstreams.checkAll();
      instance.answered++; // a request forwarded to it was answered while its check waited
      await busy;
      assert.equal(instance.healthy, true, 'answering requests: busy, not down');
      await upstreams.checkAll();
      assert.equal(instance.healthy, false, 'nothing answered while the check waited: down');
      assert.match(instance.reason ?? '', /readyz failed/);
      const again = upstreams.checkAll();
      instance.answered++;
      await again;
      assert.equal(instance.healthy, false, 'a timed-out check never brings a down instance back');
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });

  it('lets retries add at most a fifth of the traffic', () => {
    const budget = new RetryBudget(0.2, 10);
    let allowed = 0;
    for (let i = 0; i < 10; i++) if (budget.withdraw()) allowed++;
    assert.equal(allowed, 10, 'a full budget to start');
    assert.equal(budget.withdraw(), false);
    for (let i = 0; i < 60; i++) budget.deposit();
    let more = 0;
    while (budget.withdraw()) more++;
    assert.equal(more, 10);
  });

  it('never opens the breaker for 500s, which one client\'s requests can cause', async () => {
    const service = await startFakeService('catalog');
    const gateway = await buildGateway(loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: `catalog=${service.url}`, LOG_LEVEL: 'silent', MICROSHOP_RATE_LIMIT: 'off' }));
    try {
      for (let i = 0; i < 20; i++) assert.equal((await gateway.inject({ url: '/api/products/broken' })).statusCode, 500);
      assert.equal((await gateway.inject({ url: '/api/products' })).statusCode, 200, 'everybody else is still served');
      assert.match((await gateway.inject({ url: '/metrics' })).body, /gateway_upstream_breaker_state\{service="catalog"[^}]*\} 0/);
    } finally {
      await gateway.close();
      await service.close();
    }
  });

  it('opens the breaker after five answers in a row that say the service is in trouble, and fails fast without calling it', async () => {
    const service = await startFakeService('catalog');
    const gateway = await buildGateway(loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: `catalog=${service.url}`, LOG_LEVEL: 'silent', MICROSHOP_RATE_LIMIT: 'off' }));
    try {
      for (let i = 0; i < 5; i++) assert.equal((await gateway.inject({ url: '/api/products/unavailable' })).statusCode, 503);
      const hits = service.hits;
      const started = Date.now();
      const fast = await gateway.inject({ url: '/api/products/unavailable' });
      assert.equal(fast.statusCode, 503);
      assert.equal(fast.json().service, 'catalog');
      assert.match(fast.json().detail, /paused/);
      assert.equal(service.hits, hits, 'the open breaker did not call the service');
      assert.ok(Date.now() - started < 100);
      const metrics = (await gateway.inject({ url: '/metrics' })).body;
      assert.match(metrics, /gateway_upstream_breaker_state\{service="catalog"[^}]*\} 1/);
      assert.match(metrics, /gateway_upstream_requests_total\{service="catalog",outcome="503"[^}]*\} 5/);
      assert.match(metrics, /gateway_upstream_instances\{service="catalog",state="healthy"[^}]*\} 1/);
    } finally {
      await gateway.close();
      await service.close();
    }
  });
});
