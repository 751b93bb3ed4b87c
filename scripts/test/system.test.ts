import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, type RunningProcess, startChild, tempDir } from '@microshop/testing';

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

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function pidsOf(output: string, instance: string): number[] {
  return [...output.matchAll(new RegExp(`${instance} started \\(pid (\\d+)`, 'g'))].map((m) => Number(m[1]));
}

async function startSystem(env: Record<string, string> = {}): Promise<{ runner: RunningProcess; base: string; dataDir: string }> {
  const port = await freePort();
  const dataDir = await tempDir();
  const runner = startChild(process.execPath, [START], {
    env: { PORT: String(port), HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dataDir, LOG_LEVEL: 'warn', MICROSHOP_LOG_FORMAT: 'json', ...env },
  });
  await runner.waitForOutput(/Microshop is ready in \d+ ms/, 30_000);
  return { runner, base: `http://127.0.0.1:${port}`, dataDir };
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
    await until('catalog to be back', async () => ((await fetch(`${base}/api/products?limit=1`)).status === 200 ? true : undefined));
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
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => fetch(`${base}/api/products?limit=5`).then((r) => r.status)));
      statuses.push(...batch);
      if (!killed && statuses.length >= 40) {
        process.kill(victim, 'SIGKILL');
        killed = true;
      }
    }
    assert.ok(killed);
    assert.ok(statuses.length > 80, `only ${statuses.length} requests`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'no request failed',
    );
  });

  it('refuses to start on invalid configuration, naming the variable', async () => {
    const runner = startChild(process.execPath, [START], { env: { MICROSHOP_INSTANCES: 'catalog=0', PORT: 'x' } });
    cleanups.push(() => runner.stop());
    await until('the runner to exit', async () => (runner.child.exitCode !== null ? true : undefined));
    assert.equal(runner.child.exitCode, 2);
    assert.match(runner.output(), /MICROSHOP_INSTANCES wants 1 to 16 instances of catalog, got 0/);
    assert.match(runner.output(), /PORT must be an integer/);
  });
});
