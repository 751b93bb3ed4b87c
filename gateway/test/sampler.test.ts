import assert from 'node:assert/strict';
import type { FastifyBaseLogger } from 'fastify';
import { Registry } from 'prom-client';
import { describe, it } from 'node:test';
import { upstreamMetrics } from '../src/upstreams/metrics.js';
import { Upstreams } from '@microshop/kit';
import { HISTORY_POINTS, p95Ms, TrafficSampler } from '../src/upstreams/sampler.js';

describe('p95Ms', () => {
  it('is null when nothing was counted', () => {
    assert.equal(p95Ms([]), null);
    assert.equal(p95Ms([[0.01, 0], [Infinity, 0]]), null);
  });

  it('interpolates inside the bucket the 95th percentile falls in', () => {
    // 100 requests: 90 up to 10 ms, 10 between 10 and 50 ms; rank 95 is half-way into the second bucket.
    assert.equal(p95Ms([[0.01, 90], [0.05, 100], [Infinity, 100]]), 30);
    // All in the first bucket: from 0 to its bound.
    assert.equal(p95Ms([[0.01, 20], [Infinity, 20]]), 9.5);
  });

  it('takes the largest finite bound when the rank is past it', () => {
    assert.equal(p95Ms([[0.01, 1], [10, 2], [Infinity, 100]]), 10_000);
  });
});

describe('TrafficSampler', () => {
  const silent = { info() {}, warn() {} } as unknown as FastifyBaseLogger;

  it('takes rates per instance and service, and p95 per service, from what happened since the last point', async () => {
    const upstreams = new Upstreams({ catalog: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] }, silent);
    const { duration } = upstreamMetrics(new Registry(), upstreams);
    const sampler = new TrafficSampler(upstreams, duration, 2_000);
    const [a, b] = upstreams.pool('catalog')?.instances ?? [];
    assert.ok(a && b);
    assert.deepEqual(sampler.rates(a), { requestsPerSecond: 0, errorRate: 0 }, 'zero before the first point');

    a.requests = 30;
    a.failures = 3;
    b.requests = 10;
    for (let i = 0; i < 40; i++) duration.observe({ service: 'catalog' }, 0.004);
    await sampler.sample();
    const first = sampler.latest('catalog');
    assert.ok(first && first.rps > 0);
    assert.equal(first.errorRate, 0.075);
    assert.ok(first.p95Ms !== null && first.p95Ms > 2.5 && first.p95Ms <= 5, `p95 ${first.p95Ms} in the 2.5–5 ms bucket`);
    assert.equal(sampler.rates(a).errorRate, 0.1);
    assert.equal(sampler.rates(b).errorRate, 0);

    // Nothing since: the next point is idle, with no latency.
    await sampler.sample();
    assert.deepEqual({ ...sampler.latest('catalog'), t: 0 }, { t: 0, rps: 0, errorRate: 0, p95Ms: null });
    assert.equal(sampler.history('catalog').length, 2);
  });

  it(`keeps the last ${HISTORY_POINTS} points per service`, async () => {
    const upstreams = new Upstreams({ cart: ['http://127.0.0.1:1'] }, silent);
    const sampler = new TrafficSampler(upstreams, upstreamMetrics(new Registry(), upstreams).duration, 2_000);
    for (let i = 0; i < HISTORY_POINTS + 5; i++) await sampler.sample();
    assert.equal(sampler.history('cart').length, HISTORY_POINTS);
    assert.deepEqual(sampler.history('orders'), []);
  });
});
