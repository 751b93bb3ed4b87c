import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startChild, tempDir } from '@microshop/testing';
import { residentBytes } from './process-memory.js';
import { formatMiB, median } from './stats.js';

interface StartupSample {
  wallMs: number;
  reportedMs: number;
  rss: Record<string, number>;
}

async function startOnce(root: string, dataDir: string): Promise<StartupSample> {
  const began = performance.now();
  const runner = startChild(process.execPath, [join(root, 'scripts', 'dist', 'src', 'start.js')], {
    env: { PORT: '0', HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dataDir, LOG_LEVEL: 'warn', MICROSHOP_LOG_FORMAT: 'json' },
  });
  try {
    const line = await runner.waitForOutput(/Microshop is ready in (\d+) ms/, 60_000);
    const wallMs = performance.now() - began;
    const reportedMs = Number(/ready in (\d+) ms/.exec(line)?.[1]);
    // Let start-up garbage settle the way an idle system would before reading memory.
    await new Promise((r) => setTimeout(r, 1_000));
    const rss: Record<string, number> = {};
    if (runner.child.pid) rss.runner = residentBytes(runner.child.pid);
    for (const match of runner.output().matchAll(/(\S+-\d+) started \(pid (\d+)/g)) {
      const [, name = '', pid = ''] = match;
      rss[name] = residentBytes(Number(pid));
    }
    return { wallMs, reportedMs, rss };
  } finally {
    await runner.stop();
  }
}

/** `npm start` to ready: cold (empty data directory, migrations and seed) and warm, with memory. */
export async function startupBench(root: string, runs: number): Promise<string[]> {
  const cold: StartupSample[] = [];
  const warm: StartupSample[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = await tempDir('microshop-bench-');
    try {
      cold.push(await startOnce(root, dataDir));
      warm.push(await startOnce(root, dataDir));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  const lines = [
    `start-up to ready (median of ${runs} runs; wall clock from spawning the runner until it prints "ready"):`,
    `  cold start, empty data dir (migrations + seed): ${median(cold.map((s) => s.wallMs)).toFixed(0)} ms  (runner-reported ${median(cold.map((s) => s.reportedMs)).toFixed(0)} ms)`,
    `  warm start, existing data:                      ${median(warm.map((s) => s.wallMs)).toFixed(0)} ms  (runner-reported ${median(warm.map((s) => s.reportedMs)).toFixed(0)} ms)`,
    'resident memory per process, 1 s after ready (median of warm starts):',
  ];
  const names = Object.keys(warm[0]?.rss ?? {}).sort();
  let total = 0;
  for (const name of names) {
    const value = median(warm.map((s) => s.rss[name] ?? 0));
    total += value;
    lines.push(`  ${name.padEnd(14)} ${formatMiB(value)}`);
  }
  lines.push(`  ${'total'.padEnd(14)} ${formatMiB(total)}`);
  return lines;
}
