import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCanaries, recentP95, recordLatency, ServicePool } from '@microshop/kit';
import { runnerView } from '../src/routes/runner.js';

function healthyPool(urls: string[]): ServicePool {
  const pool = new ServicePool('catalog', urls);
  for (const instance of pool.instances) instance.healthy = true;
  return pool;
}

describe('canary routing (the runner\'s deploy)', () => {
  it('sends the canary its share of the requests and the others the rest', () => {
    const pool = healthyPool(['http://a:1', 'http://b:2', 'http://canary:3']);
    pool.canary = { url: 'http://canary:3', percent: 25 };
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const url = pool.pick()?.url ?? 'none';
      counts.set(url, (counts.get(url) ?? 0) + 1);
    }
    const share = (counts.get('http://canary:3') ?? 0) / 20_000;
    assert.ok(share > 0.22 && share < 0.28, `canary share ${share}`);
    assert.ok((counts.get('http://a:1') ?? 0) > 6_000 && (counts.get('http://b:2') ?? 0) > 6_000);
  });

  it('never sends a request to a canary that is down, nor to the canary it is retrying from', () => {
    const pool = healthyPool(['http://a:1', 'http://canary:3']);
    pool.canary = { url: 'http://canary:3', percent: 100 };
    const canary = pool.instances[1];
    assert.equal(pool.pick(canary)?.url, 'http://a:1');
    if (canary) canary.healthy = false;
    for (let i = 0; i < 100; i++) assert.equal(pool.pick()?.url, 'http://a:1');
    pool.canary = undefined;
  });

  it('reads canaries from the runner\'s message, dropping malformed ones', () => {
    assert.deepEqual(parseCanaries({ canaries: { catalog: { url: 'http://127.0.0.1:5', percent: 5 }, bad: { url: 'x', percent: 5 }, worse: { url: 'http://h:1' } } }), {
      catalog: { url: 'http://127.0.0.1:5', percent: 5 },
    });
    assert.deepEqual(parseCanaries({}), {});
  });

  it('keeps each instance\'s recent latencies for a p95', () => {
    const [instance] = healthyPool(['http://a:1']).instances;
    assert.ok(instance);
    assert.equal(recentP95(instance), null);
    for (let ms = 1; ms <= 100; ms++) recordLatency(instance, ms);
    assert.equal(recentP95(instance), 96);
    // Only the last 512 count.
    for (let i = 0; i < 600; i++) recordLatency(instance, 5);
    assert.equal(recentP95(instance), 5);
  });
});

describe('the runner\'s report for /ops', () => {
  it('fills what the runner left out with null and drops what is malformed', () => {
    const view = runnerView({
      type: 'microshop.runner',
      autoscale: null,
      releases: [
        { service: 'catalog', startedAt: '2026-12-06T00:00:00.000Z', script: '/x/server.mjs', percent: 5, state: 'on trial', steps: [] },
        { service: 'orders', steps: [] },
        'nonsense',
      ],
    });
    assert.equal(view.autoscale, null);
    assert.deepEqual(view.releases, [
      { service: 'catalog', startedAt: '2026-12-06T00:00:00.000Z', script: '/x/server.mjs', canary: null, percent: 5, state: 'on trial', steps: [], reason: null, endedAt: null },
    ]);
    assert.deepEqual(runnerView(undefined), { autoscale: null, releases: [] });
  });
});
