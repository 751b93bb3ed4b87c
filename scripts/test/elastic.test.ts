import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type RunningProcess, until } from '@microshop/testing';
import { startShop, type TestShop } from './fixtures/shop.js';

// The runner's autoscaler and the shopper load generator against a real `npm start` shop.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const LOAD = join(root, 'scripts', 'dist', 'src', 'load', 'index.js');

/** Each `scaled catalog: a -> b` line the runner printed, as [a, b]. */
function catalogScales(output: string): Array<[number, number]> {
  return [...output.matchAll(/scaled catalog: (\d+) -> (\d+) instance/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** The runner's and services' warnings and errors (JSON log lines of level 40 and up), for a failure's message. */
function problems(output: string): string {
  return output
    .split('\n')
    .filter((line) => /"level":(4|5|6)0/.test(line) || /^(?!\{).*(fail|error|exit)/i.test(line))
    .slice(-30)
    .join('\n');
}

function runLoad(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [LOAD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, out }));
  });
}

describe('elastic: autoscaling and the load generator', () => {
  let shop: TestShop;
  let runner: RunningProcess;
  let base: string;
  let dataDir: string;

  before(async () => {
    shop = await startShop({
      MICROSHOP_RATE_LIMIT: 'off',
      MICROSHOP_AUTOSCALE: 'catalog=1-3',
      // The shortest quiet period a user would pick for a demo; the default is 60 s.
      MICROSHOP_AUTOSCALE_COOLDOWN_MS: '20000',
    });
    ({ runner, base, dataDir } = shop);
  });

  after(() => shop?.stop());

  it('grows catalog under 64 connections for 45 s and shrinks it back after, failing no request', async () => {
    assert.deepEqual(catalogScales(runner.output()), [], 'nothing scaled before the load');
    const result = await autocannon({ url: `${base}/api/products?limit=20`, connections: 64, duration: 45 });
    const grown = catalogScales(runner.output());
    assert.ok(grown.length > 0 && grown.every(([from, to]) => to > from), `catalog grew during the load: ${JSON.stringify(grown)}`);
    assert.ok(Math.max(...grown.map(([, to]) => to)) >= 2);
    assert.ok(grown.every(([, to]) => to <= 3), 'never above its bound');
    assert.match(runner.output(), /autoscale catalog 1 -> \d: .*(CPU|in flight|p95)/, 'each decision is logged with its reason');
    assert.ok(result.requests.total > 1_000, `requests were made (${result.requests.total})`);
    assert.equal(result.errors, 0, 'no connection error while it scaled out');
    assert.equal(result.timeouts, 0, 'no request left unanswered while it scaled out');
    const statuses = JSON.stringify(result.statusCodeStats);
    assert.equal(result.non2xx, 0, `no failed answer while it scaled out: ${statuses}\n${problems(runner.output())}`);

    // After the load: back to one instance within 3 minutes, one step at a time, with no request
    // failing meanwhile (a light reader keeps asking while instances leave).
    let failed = 0;
    let asked = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const response = await fetch(`${base}/api/products?limit=5`).catch(() => undefined);
        asked++;
        if (response?.status !== 200) failed++;
        await response?.arrayBuffer();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await until(
        'catalog back to 1 instance',
        async () => {
          const last = catalogScales(runner.output()).at(-1);
          return last !== undefined && last[1] === 1;
        },
        180_000,
      );
    } finally {
      reading = false;
      await reader;
    }
    const shrunk = catalogScales(runner.output()).slice(grown.length);
    assert.ok(shrunk.every(([from, to]) => to === from - 1), `scaled in one at a time: ${JSON.stringify(shrunk)}`);
    assert.ok(asked > 50);
    assert.equal(failed, 0, `no failed request while it scaled in (${asked} asked)`);
  });

  it('runs shoppers through the shop, reports them, and exits by its objectives', async () => {
    const report = join(dataDir, 'load-report.html');
    const ok = await runLoad(['--url', base, '--duration', '6s', '--rate', '2-4', '--slo', 'errors<1%,confirmed>=90%,checkout.p99<10s', '--report', report]);
    assert.equal(ok.code, 0, ok.out);
    const placed = Number(/orders: (\d+) placed, (\d+) confirmed/.exec(ok.out)?.[1]);
    const confirmed = Number(/orders: (\d+) placed, (\d+) confirmed/.exec(ok.out)?.[2]);
    assert.ok(placed >= 10 && confirmed >= placed * 0.9, ok.out);
    for (const step of ['browse', 'search', 'product', 'register', 'cart', 'checkout', 'confirmed']) assert.match(ok.out, new RegExp(`^${step} +\\d+ +0 `, 'm'), `${step} in the summary`);
    assert.match(ok.out, /SLO met {4}errors<1%/);
    const html = await readFile(report, 'utf8');
    assert.match(html, /<svg[^>]*aria-label="Requests per second"/);
    assert.match(html, /<svg[^>]*aria-label="Latency of every request"/);

    const missed = await runLoad(['--url', base, '--duration', '2s', '--rate', '2', '--slo', 'p99<0.001', '--report', report]);
    assert.equal(missed.code, 1, missed.out);
    assert.match(missed.out, /SLO MISSED p99<0.001/);

    const bad = await runLoad(['--url', base, '--duration', 'soon', '--rate', '2']);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /--duration must be a duration such as 30s/);
  });
});
