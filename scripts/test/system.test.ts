import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningProcess, startChild, tempDir, until, waitForShop } from '@microshop/testing';

// The real thing: `npm start`'s runner, the gateway and catalog as separate OS processes.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START = join(root, 'scripts', 'dist', 'src', 'start.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidsOf(output: string, instance: string): number[] {
  return [...output.matchAll(new RegExp(`${instance} started \\(pid (\\d+)`, 'g'))].map((m) => Number(m[1]));
}

async function startSystem(env: Record<string, string> = {}): Promise<{ runner: RunningProcess; base: string; dataDir: string }> {
  const dataDir = await tempDir();
  const runner = startChild(process.execPath, [START], {
    env: { PORT: '0', HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dataDir, LOG_LEVEL: 'warn', MICROSHOP_LOG_FORMAT: 'json', ...env },
    stdin: true,
  });
  let base: string;
  try {
    base = await waitForShop(runner, 60_000);
  } catch (error) {
    // A shop that never became ready is stopped here: left running, it would hold the test file open.
    await runner.stop();
    throw error;
  }
  return { runner, base, dataDir };
}

describe('system: runner, gateway and catalog as real processes', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('serves the seeded catalog, survives a SIGKILLed catalog and restarts it', async () => {
    const { runner, base, dataDir } = await startSystem();
    cleanups.push(async () => {
      await runner.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    const first = await fetch(`${base}/api/products`);
    assert.equal(first.status, 200);
    assert.equal(((await first.json()) as { items: unknown[] }).items.length, 20);

    const [catalogPid] = pidsOf(runner.output(), 'catalog-1');
    assert.ok(catalogPid && alive(catalogPid));
    process.kill(catalogPid, 'SIGKILL');
    await until('catalog to die', async () => (alive(catalogPid) ? undefined : true));

    const started = Date.now();
    const down = await fetch(`${base}/api/products`);
    const elapsed = Date.now() - started;
    assert.equal(down.status, 503);
    assert.match(String(down.headers.get('content-type')), /^application\/problem\+json/);
    assert.equal(((await down.json()) as { service: string }).service, 'catalog');
    assert.ok(elapsed < 1_000, `503 took ${elapsed} ms`);
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the gateway stays up');

    await runner.waitForOutput(new RegExp(`catalog-1 \\(pid ${catalogPid}\\) killed by SIGKILL; restarting in \\d+ ms`));
    // A restart under the suite's load (another whole shop may be starting beside it) can take a while;
    // if it never comes back, say what the runner saw.
    await until('catalog to be back', async () => ((await fetch(`${base}/api/products?limit=1`)).status === 200 ? true : undefined), 30_000).catch(
      (error: Error) => assert.fail(`${error.message}\n${runner.output().slice(-4000)}`),
    );
    const [, restartedPid] = pidsOf(runner.output(), 'catalog-1');
    assert.ok(restartedPid && restartedPid !== catalogPid && alive(restartedPid));

    const everyPid = [...pidsOf(runner.output(), 'catalog-1'), ...pidsOf(runner.output(), 'gateway-1')];
    await runner.stop();
    assert.equal(runner.child.exitCode, 0, runner.output().slice(-2000));
    assert.ok(
      everyPid.every((pid) => !alive(pid)),
      'every process the runner started has exited',
    );
  });

  it('spreads requests over several instances and loses none when one is killed', async () => {
    // A load test: rate limits (tested on their own) would turn its burst into 429s.
    const { runner, base, dataDir } = await startSystem({ MICROSHOP_INSTANCES: 'catalog=2', MICROSHOP_RATE_LIMIT: 'off' });
    cleanups.push(async () => {
      await runner.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    const [victim] = pidsOf(runner.output(), 'catalog-2');
    assert.ok(victim);
    const statuses: number[] = [];
    let killed = false;
    // A number of requests, not a time: on a busy machine they take longer, and that is no failure.
    const giveUp = Date.now() + 60_000;
    while (statuses.length < 120 && Date.now() < giveUp) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => fetch(`${base}/api/products?limit=5`).then((r) => r.status)));
      statuses.push(...batch);
      if (!killed && statuses.length >= 40) {
        process.kill(victim, 'SIGKILL');
        killed = true;
      }
    }
    assert.ok(killed);
    assert.ok(statuses.length >= 120, `only ${statuses.length} requests answered in 60 s`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'no request failed',
    );
  });

  it('scales a service up and down while it serves, and the gateway follows without a failed request', async () => {
    const { runner, base, dataDir } = await startSystem({ MICROSHOP_RATE_LIMIT: 'off' });
    cleanups.push(async () => {
      await runner.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    const catalogReadiness = async () =>
      ((await (await fetch(`${base}/readyz`)).json()) as { services: Record<string, { healthy: number; instances: number }> }).services.catalog;
    const statuses: number[] = [];
    let loading = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (loading) statuses.push((await fetch(`${base}/api/products?limit=5`)).status);
      }),
    );
    try {
      runner.write('scale catalog=3\n');
      await runner.waitForOutput(/scaled catalog: 1 -> 3 instance\(s\) \(catalog-1, catalog-2, catalog-3\)/, 30_000);
      await until('the gateway to see three healthy catalog instances', async () => {
        const catalog = await catalogReadiness();
        return catalog?.instances === 3 && catalog.healthy === 3 ? true : undefined;
      });
      // Each new instance takes a share of the load.
      for (const name of ['catalog-2', 'catalog-3']) {
        const port = new RegExp(`${name} started \\(pid \\d+, port (\\d+)\\)`).exec(runner.output())?.[1];
        assert.ok(port, `${name} was started`);
        await until(`${name} to serve requests`, async () => {
          const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          return /http_requests_total\{[^}]*route="\/api\/products"[^}]*\} [1-9]/.test(metrics) ? true : undefined;
        });
      }
      const leaving = [...pidsOf(runner.output(), 'catalog-2'), ...pidsOf(runner.output(), 'catalog-3')];
      runner.write('scale catalog=1\n');
      await runner.waitForOutput(/scaled catalog: 3 -> 1 instance\(s\) \(catalog-1\)/, 30_000);
      const catalog = await catalogReadiness();
      assert.equal(catalog?.instances, 1);
      assert.ok(
        leaving.every((pid) => !alive(pid)),
        'the instances scaled away have exited',
      );
      assert.doesNotMatch(runner.output(), /catalog-[23] \(pid \d+\) .*restarting/, 'a scaled-down instance is not restarted');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      loading = false;
      await load;
    }
    assert.ok(statuses.length > 100, `only ${statuses.length} requests`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'no request failed while instances joined and left',
    );
  });

  it('refuses to start on invalid configuration, naming the variable', async () => {
    const runner = startChild(process.execPath, [START], { env: { MICROSHOP_INSTANCES: 'catalog=0', PORT: 'x', MICROSHOP_LIVENESS_TIMEOUT_MS: '500' } });
    cleanups.push(() => runner.stop());
    await until('the runner to exit', async () => (runner.child.exitCode !== null ? true : undefined));
    assert.equal(runner.child.exitCode, 2);
    assert.match(runner.output(), /MICROSHOP_INSTANCES wants 1 to 16 instances of catalog, got 0/);
    assert.match(runner.output(), /PORT must be an integer/);
    assert.match(runner.output(), /MICROSHOP_LIVENESS_TIMEOUT_MS must be at least 1000/);
  });

  it('refuses a PORT another program has, saying so, before it starts any service', async () => {
    const squatter = createServer();
    await new Promise<void>((ready) => squatter.listen(0, '127.0.0.1', ready));
    cleanups.push(() => new Promise((done) => squatter.close(() => done())));
    const port = (squatter.address() as AddressInfo).port;
    const dataDir = await tempDir();
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const runner = startChild(process.execPath, [START], { env: { PORT: String(port), HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dataDir } });
    cleanups.push(() => runner.stop());
    await until('the runner to exit', async () => (runner.child.exitCode !== null ? true : undefined));
    assert.equal(runner.child.exitCode, 1);
    assert.match(runner.output(), new RegExp(`failed to start: port ${port} on 127.0.0.1 is in use by another program`));
    assert.doesNotMatch(runner.output(), /catalog-1 started/);
  });

  it('replaces a hung (SIGSTOPped) instance within 20 s, saying why, as liveness (10 s by default) asks', async () => {
    const { runner, base, dataDir } = await startSystem();
    const [stopped] = pidsOf(runner.output(), 'catalog-1');
    assert.ok(stopped && alive(stopped));
    cleanups.push(async () => {
      // A stopped process takes no SIGTERM: if the runner never replaced it, it must not outlive the test.
      if (alive(stopped)) process.kill(stopped, 'SIGKILL');
      await runner.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    const began = Date.now();
    process.kill(stopped, 'SIGSTOP');
    await runner.waitForOutput(new RegExp(`catalog-1 \\(pid ${stopped}\\) has not answered /healthz for \\d+ ms \\(no answer in time\\); killing it to restart it`), 20_000);
    // Replaced: the hung process killed and a new one started, within 20 s of the hang.
    await until('a new catalog-1 to be started', async () => (pidsOf(runner.output(), 'catalog-1').length > 1 ? true : undefined), 20_000 - (Date.now() - began));
    const replacedAfter = Date.now() - began;
    assert.ok(replacedAfter < 20_000, `replaced after ${replacedAfter} ms`);
    assert.ok(!alive(stopped), 'the hung process is gone');
    // Then it serves (its start-up time is the machine's, not liveness's: bounded generously).
    await until('catalog to answer again', async () => ((await fetch(`${base}/api/products?limit=1`)).status === 200 ? true : undefined), 60_000);
    const [, replacement] = pidsOf(runner.output(), 'catalog-1');
    assert.ok(replacement && replacement !== stopped && alive(replacement), 'a new catalog-1 serves');
  });
});
