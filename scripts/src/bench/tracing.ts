import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureLocalKeys } from '@microshop/kit/light';
import { freePort, type RunningProcess, startChild, tempDir, waitForHttp } from '@microshop/testing';
import { serverScript } from '../runner/scripts.js';
import { cpuMs } from './process-memory.js';
import { median } from './stats.js';


const MODES = [
  ['off', 'OTEL_SDK_DISABLED=true'],
  ['default sampling', 'as under npm start: 0.25 traces a second per operation after a burst of 10, to the gateway\'s store'],
  ['all, not sent', 'every trace kept (parentbased_always_on), no MICROSHOP_TRACE_STORE_URL'],
  ['all, to a sink', 'every trace kept, to an OTLP endpoint that reads and drops them'],
  ['all, to the gateway', 'every trace kept, to the gateway\'s store'],
] as const;

/**
 * Where tracing's cost goes, by parts: one catalog instance answers `GET /api/products/:id`
 * directly at a fixed rate (paced-load.ts, 16 connections) with tracing off, with the default
 * sampler (the catalog starts each trace, so 0.25 a second is recorded after the burst), and with every trace kept:
 * spans made but not sent, sent to a sink that drops them, sent to a gateway's store; each
 * process's CPU per request is read from /proc. `rounds` rounds, the modes alternating; medians.
 */
export async function tracingBench(root: string, seconds: number, rate: number, rounds: number): Promise<string[]> {
  const dir = await tempDir('microshop-bench-tracing-');
  await ensureLocalKeys(dir, ['catalog', 'gateway']);
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((ready) => sink.listen(0, '127.0.0.1', ready));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const paced = fileURLToPath(new URL('./paced-load.js', import.meta.url));
  const figures = new Map<string, Array<{ catalog: number; gateway: number; p99: number }>>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [mode] of MODES) {
        const started: RunningProcess[] = [];
        try {
          const gatewayPort = await freePort();
          const catalogPort = await freePort();
          const off = mode === 'off' ? { OTEL_SDK_DISABLED: 'true' } : mode.startsWith('all') ? { OTEL_TRACES_SAMPLER: 'parentbased_always_on' } : {};
          const store =
            mode === 'all, to a sink' ? { MICROSHOP_TRACE_STORE_URL: sinkUrl } : mode === 'all, not sent' ? {} : { MICROSHOP_TRACE_STORE_URL: `http://127.0.0.1:${gatewayPort}` };
          const catalog = startChild(process.execPath, [serverScript(root, join(root, 'services', 'catalog')).script], {
            env: { PORT: String(catalogPort), HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dir, LOG_LEVEL: 'warn', ...store, ...off },
          });
          started.push(catalog);
          await waitForHttp(`http://127.0.0.1:${catalogPort}/readyz`, { timeoutMs: 30_000 });
          const gateway = startChild(process.execPath, [serverScript(root, join(root, 'gateway')).script], {
            env: { PORT: String(gatewayPort), HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dir, MICROSHOP_UPSTREAMS: `catalog=http://127.0.0.1:${catalogPort}`, LOG_LEVEL: 'warn', ...off },
          });
          started.push(gateway);
          await waitForHttp(`http://127.0.0.1:${gatewayPort}/readyz`, { timeoutMs: 30_000 });
          const pids = [catalog.child.pid ?? 0, gateway.child.pid ?? 0];
          const before = pids.map(cpuMs);
          const url = `http://127.0.0.1:${catalogPort}/api/products/prod-bamboo-cutting-board`;
          const { stdout } = await promisify(execFile)(process.execPath, [paced, url, String(rate), String(seconds), '16']);
          const result = JSON.parse(stdout) as { p99: number };
          const spent = pids.map((pid, i) => cpuMs(pid) - (before[i] ?? 0));
          // The paced client's 3 s of warm-up run at the same rate inside the window.
          const requests = rate * (seconds + 3);
          const list = figures.get(mode) ?? [];
          list.push({ catalog: ((spent[0] ?? 0) * 1000) / requests, gateway: ((spent[1] ?? 0) * 1000) / requests, p99: result.p99 });
          figures.set(mode, list);
        } finally {
          for (const child of started.reverse()) await child.stop();
        }
      }
    }
  } finally {
    sink.close();
    await rm(dir, { recursive: true, force: true });
  }
  const lines = [`GET /api/products/:id straight to one catalog instance at ${rate} req/s (16 connections, ${seconds} s after 3 s of warm-up); CPU per request from /proc, medians of ${rounds} rounds:`];
  const base = median((figures.get('off') ?? []).map((f) => f.catalog));
  for (const [mode, meaning] of MODES) {
    const list = figures.get(mode) ?? [];
    const catalog = median(list.map((f) => f.catalog));
    const gateway = median(list.map((f) => f.gateway));
    lines.push(
      `  ${mode.padEnd(19)} catalog ${catalog.toFixed(0).padStart(4)} µs (${mode === 'off' ? 'base' : `+${(catalog - base).toFixed(0)}`})` +
        `   gateway ${gateway.toFixed(0).padStart(3)} µs   p99 ${median(list.map((f) => f.p99)).toFixed(1)} ms   (${meaning})`,
    );
  }
  return lines;
}
