import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { until } from '@microshop/testing';
import { startShop, type TestShop } from './fixtures/shop.js';

// GATEWAY_PROCESSES=2: two gateway processes on the one port, as `npm start` runs them.
const PASSWORD = 'processes-admin-1';

/** The processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('several gateway processes on one port (GATEWAY_PROCESSES)', () => {
  let shop: TestShop;
  let base: string;
  let token: string;
  let primary: number;

  before(async () => {
    shop = await startShop({ MICROSHOP_ADMIN_PASSWORD: PASSWORD, GATEWAY_PROCESSES: '2' });
    base = shop.base;
    primary = Number(/gateway-1 started \(pid (\d+)/.exec(shop.runner.output())?.[1]);
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ email: 'admin@microshop.local', password: PASSWORD }),
    });
    token = ((await login.json()) as { token: string }).token;
  });

  after(() => shop?.stop());

  /** One request on a connection of its own (each connection goes to whichever process accepts it). */
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers: { connection: 'close', ...headers }, signal: AbortSignal.timeout(10_000) });

  it('runs two workers under the gateway the runner started, and /readyz names that process', async () => {
    assert.equal(childrenOf(primary).length, 2);
    const ready = (await (await get('/readyz')).json()) as { pid: number };
    assert.equal(ready.pid, primary);
  });

  it('shares the trace store, the faults and the metrics across the processes, and divides the rate limit', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const traceIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await get('/api/products?limit=2');
      assert.equal(response.status, 200);
      traceIds.push(response.headers.get('x-trace-id') ?? '');
      await response.arrayBuffer();
    }
    // Every trace is found whichever process answers (spans reach each over the primary).
    for (const traceId of traceIds) {
      for (let i = 0; i < 2; i++) {
        await until(`trace ${traceId}`, async () => (await get(`/api/admin/traces/${traceId}`, auth)).status === 200);
      }
    }
    // A fault set through one process holds in both.
    const set = await fetch(`${base}/api/admin/faults/catalog`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ delayMs: 0, delayPercent: 0, abortStatus: 503, abortPercent: 100 }),
    });
    assert.equal(set.status, 200);
    await until('the fault everywhere', async () => {
      const statuses = await Promise.all([0, 1, 2, 3].map(async () => (await get('/api/products?limit=1')).status));
      return statuses.every((s) => s === 503);
    });
    assert.equal((await fetch(`${base}/api/admin/faults/catalog`, { method: 'DELETE', headers: { ...auth, connection: 'close' } })).status, 204);
    await until('the fault cleared everywhere', async () => {
      const statuses = await Promise.all([0, 1, 2, 3].map(async () => (await get('/api/products?limit=1')).status));
      return statuses.every((s) => s === 200);
    });
    // /metrics answers the sum of both processes' counts.
    const metrics = await (await get('/metrics')).text();
    const forwarded = Number(/^gateway_upstream_requests_total\{service="catalog",outcome="200"[^}]*\} (\d+)/m.exec(metrics)?.[1]);
    assert.ok(forwarded >= 10, `catalog's 200s summed over the processes: ${forwarded}`);
  });

  it('keeps serving while a process is killed, starts another, and gives it the traces and faults', async () => {
    const auth = { authorization: `Bearer ${token}` };
    // An operation not asked for before: the default sampler records its first requests.
    const before = await get('/api/home');
    const traceId = before.headers.get('x-trace-id') ?? '';
    await before.arrayBuffer();
    await until('its trace kept', async () => (await get(`/api/admin/traces/${traceId}`, auth)).status === 200);
    const [victim] = childrenOf(primary);
    assert.ok(victim);
    process.kill(victim, 'SIGKILL');
    let failed = 0;
    for (let i = 0; i < 20; i++) {
      const response = await get('/api/products?limit=1').catch(() => undefined);
      if (response?.status !== 200) failed++;
      await response?.arrayBuffer();
    }
    assert.equal(failed, 0, 'the other process took every request');
    const replacement = await until('a new process', async () => {
      const now = childrenOf(primary);
      return now.length === 2 && !now.includes(victim) ? now : undefined;
    });
    assert.equal(replacement.length, 2);
    // Both processes (the new one too) know the trace from before.
    for (let i = 0; i < 4; i++) {
      await until(`trace ${traceId} on every process`, async () => (await get(`/api/admin/traces/${traceId}`, auth)).status === 200);
    }
  });
});

describe('the per-IP limit with several gateway processes', () => {
  let shop: TestShop;

  // 20 requests a minute per IP for the whole gateway: 10 in each process.
  before(async () => {
    shop = await startShop({ GATEWAY_PROCESSES: '2', GATEWAY_RATE_LIMIT_IP: '20' });
  });

  after(() => shop?.stop());

  it('is divided between the processes: a client on many connections gets 20 a minute in all, not 40', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${shop.base}/api/categories`, { headers: { connection: 'close' } });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    const allowed = statuses.filter((s) => s === 200).length;
    assert.ok(statuses.includes(429), 'the limit applies');
    assert.ok(allowed <= 20 && allowed >= 10, `${allowed} of 40 allowed: each process allows 10`);
  });
});
