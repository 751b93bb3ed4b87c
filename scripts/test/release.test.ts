import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type RunningProcess, until } from '@microshop/testing';
import { judgeCanary } from '../src/runner/release.js';
import { serverScript } from '../src/runner/scripts.js';
import { startShop, type TestShop } from './fixtures/shop.js';

const STEP_MS = 5_000;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * A new release of catalog: the built server, with one difference a reader can see, a header
 * naming the release on every answer. So the test knows which code answered each read.
 */
const goodRelease = (server: string) => `
import http from 'node:http';
const writeHead = http.ServerResponse.prototype.writeHead;
http.ServerResponse.prototype.writeHead = function (...args) {
  if (!this.headersSent) this.setHeader('x-catalog-release', 'two');
  return writeHead.apply(this, args);
};
await import(${JSON.stringify(pathToFileURL(server).href)});
`;

interface RunnerView {
  runner: boolean;
  autoscale: unknown;
  releases: Array<{ state: string; steps: Array<{ percent: number; verdict: string }> }>;
}

/** A release of catalog that starts and answers its probes, then fails every request with a 500. */
const BROKEN_RELEASE = `
import { createServer } from 'node:http';
createServer((request, response) => {
  request.resume();
  if (request.url === '/healthz' || request.url === '/readyz') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ok', pid: process.pid, instance: process.env.MICROSHOP_INSTANCE_ID }));
    return;
  }
  response.writeHead(500, { 'content-type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', title: 'This release is broken', status: 500 }));
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

describe('canary judgement', () => {
  it('fails a canary early on errors, at a step end on errors or latency, and passes one like the stable instances', () => {
    const stable = { requests: 1_000, failures: 0, p95Ms: 10 };
    assert.equal(judgeCanary({ requests: 2, failures: 2, p95Ms: 1 }, stable, false).verdict, 'wait', 'two failures are not yet evidence');
    assert.equal(judgeCanary({ requests: 4, failures: 3, p95Ms: 1 }, stable, false).verdict, 'fail');
    assert.equal(judgeCanary({ requests: 100, failures: 2, p95Ms: 10 }, stable, false).verdict, 'wait');
    assert.equal(judgeCanary({ requests: 100, failures: 2, p95Ms: 10 }, stable, true).verdict, 'fail', '2% against 0% at the step end');
    assert.equal(judgeCanary({ requests: 100, failures: 2, p95Ms: 10 }, { ...stable, failures: 20 }, true).verdict, 'pass', 'no worse than stable');
    assert.equal(judgeCanary({ requests: 100, failures: 0, p95Ms: 250 }, stable, true).verdict, 'fail', 'p95 250 ms against 10 ms');
    assert.equal(judgeCanary({ requests: 100, failures: 0, p95Ms: 90 }, stable, true).verdict, 'pass', 'within 100 ms of stable');
    assert.equal(judgeCanary({ requests: 5, failures: 0, p95Ms: 900 }, stable, true).verdict, 'pass', 'too few answers to judge latency');
    assert.match(judgeCanary({ requests: 4, failures: 3, p95Ms: 1 }, stable, false).reason, /3 of 4 requests failed \(75\.0%\) against 0\.0%/);
  });
});

describe('canary releases on the runner (deploy)', () => {
  let shop: TestShop;
  let runner: RunningProcess;
  let base: string;
  let dataDir: string;

  before(async () => {
    shop = await startShop(
      { MICROSHOP_RATE_LIMIT: 'off', MICROSHOP_CANARY_STEP_MS: String(STEP_MS), MICROSHOP_ADMIN_PASSWORD: 'release-admin-1' },
      { stdin: true },
    );
    ({ runner, base, dataDir } = shop);
  });

  after(() => shop?.stop());

  /**
   * Readers asking for catalog pages until `done` resolves: how many were asked, how many failed,
   * and how many the new release answered.
   */
  async function whileReading(done: () => Promise<unknown>): Promise<{ asked: number; failed: number; byNew: number; seconds: number }> {
    let reading = true;
    let asked = 0;
    let failed = 0;
    let byNew = 0;
    const began = performance.now();
    const readers = Array.from({ length: 4 }, async () => {
      while (reading) {
        const response = await fetch(`${base}/api/products?limit=5`).catch(() => undefined);
        asked++;
        if (response?.status !== 200) failed++;
        if (response?.headers.get('x-catalog-release') === 'two') byNew++;
        await response?.arrayBuffer();
      }
    });
    try {
      await done();
    } finally {
      reading = false;
      await Promise.all(readers);
    }
    return { asked, failed, byNew, seconds: (performance.now() - began) / 1000 };
  }

  it('rolls back a release that answers 500s within its first step, failing fewer requests than that step would send it', async () => {
    const script = join(dataDir, 'broken-catalog.mjs');
    await writeFile(script, BROKEN_RELEASE);
    const reads = await whileReading(async () => {
      runner.write(`deploy catalog ${script}\n`);
      await until('the release rolled back', async () => /deployed catalog rolled back/.test(runner.output()), 60_000);
    });
    const output = runner.output();
    assert.match(output, /deploy catalog: catalog-2 takes 5% of the traffic/);
    assert.doesNotMatch(output, /takes 25% of the traffic/, 'it never got past the first step');
    assert.match(output, /deployed catalog rolled back: at 5%: \d+ of \d+ requests failed/);
    assert.ok(reads.failed >= 1, 'the canary got traffic (else this test proves nothing)');
    // The first step would send the canary 5% of the requests for STEP_MS.
    const firstStepAllows = 0.05 * (reads.asked / reads.seconds) * (STEP_MS / 1000);
    assert.ok(reads.failed < firstStepAllows, `${reads.failed} failed, fewer than the ${firstStepAllows.toFixed(0)} the first step allows`);
    // Its share went back to the stable instance: nothing fails any more.
    const afterwards = await whileReading(() => new Promise((r) => setTimeout(r, 1_500)));
    assert.ok(afterwards.asked > 20);
    assert.equal(afterwards.failed, 0);
  });

  it('promotes a good release step by step, replacing the stable instance with no failed request', async () => {
    const script = join(dataDir, 'catalog-release-two.mjs');
    await writeFile(script, goodRelease(serverScript(root, join(root, 'services', 'catalog')).script));
    const reads = await whileReading(async () => {
      runner.write(`deploy catalog ${script}\n`);
      await until('the release promoted', async () => /deployed catalog promoted/.test(runner.output()), 120_000);
    });
    const output = runner.output();
    for (const percent of [5, 25, 50, 100]) assert.match(output, new RegExp(`deploy catalog: at ${percent}%: passed`));
    assert.match(output, /deployed catalog promoted: catalog runs the new release on catalog-3$/m);
    assert.ok(reads.asked > 100, `reads were made (${reads.asked})`);
    assert.equal(reads.failed, 0, `no read failed during the release (${reads.asked} asked)`);
    assert.ok(reads.byNew > 0 && reads.byNew < reads.asked, `the new release took a share on its way up (${reads.byNew} of ${reads.asked})`);
    // Promoted: the new code answers everything.
    const afterwards = await whileReading(() => new Promise((r) => setTimeout(r, 1_000)));
    assert.ok(afterwards.asked > 10);
    assert.equal(afterwards.byNew, afterwards.asked, `every read after the promotion is the new release's (${afterwards.byNew} of ${afterwards.asked})`);
    runner.write('status\n');
    await until('status', async () => /catalog +catalog-3 \(pid \d+/.test(runner.output()));
  });

  it('shows both releases, step by step, to admins in /api/admin/runner (the Scaling page of /ops)', async () => {
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@microshop.local', password: 'release-admin-1' }),
    });
    const { token } = (await login.json()) as { token: string };
    assert.equal((await fetch(`${base}/api/admin/runner`)).status, 401);
    const view = await until('both releases reported', async () => {
      const response = await fetch(`${base}/api/admin/runner`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as RunnerView;
      return body.releases.length === 2 && body.releases.every((r) => r.state !== 'on trial' && r.state !== 'promoting') ? body : undefined;
    });
    assert.equal(view.runner, true);
    assert.equal(view.autoscale, null, 'nothing autoscaled here');
    assert.deepEqual(
      view.releases.map((r) => [r.state, r.steps.map((s) => `${s.percent}:${s.verdict}`)]),
      [
        ['rolled back', ['5:fail']],
        ['promoted', ['5:pass', '25:pass', '50:pass', '100:pass']],
      ],
    );
  });
});
