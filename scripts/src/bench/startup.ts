import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startChild, tempDir } from '@microshop/testing';
import { proportionalBytes, residentBytes } from './process-memory.js';
import { formatMiB, median } from './stats.js';

interface StartupSample {
  wallMs: number;
  reportedMs: number;
  rss: Record<string, number>;
  pss: Record<string, number>;
  /** Processes restarted or gone during the start: a start to look into, not a figure to quote. */
  restarted: string[];
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
    const pss: Record<string, number> = {};
    // Each process's latest pid: one that was restarted (a liveness kill on a busy machine) is
    // measured as it runs now, and the start counts as such in the report.
    const pids = new Map<string, number>(runner.child.pid ? [['runner', runner.child.pid]] : []);
    const restarted = new Set<string>();
    for (const match of runner.output().matchAll(/(\S+-\d+) started \(pid (\d+)/g)) {
      const name = match[1] ?? '';
      if (pids.has(name)) restarted.add(name);
      pids.set(name, Number(match[2]));
    }
    for (const [name, pid] of pids) {
      try {
        rss[name] = residentBytes(pid);
        pss[name] = proportionalBytes(pid);
      } catch {
        restarted.add(name); // gone meanwhile: left out of the memory figures
      }
    }
    return { wallMs, reportedMs, rss, pss, restarted: [...restarted] };
  } finally {
    await runner.stop();
  }
}

/** PSS as printed: "n/a" where /proc/<pid>/smaps_rollup could not be read (before Linux 4.14, or not Linux). */
const pssText = (bytes: number) => (Number.isNaN(bytes) ? 'n/a' : formatMiB(bytes));

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
    'memory per process, 1 s after ready (median of warm starts): resident (RSS), and proportional (PSS: pages shared with the other processes, such as Node.js itself, divided among them)',
  ];
  const names = Object.keys(warm[0]?.rss ?? {}).sort();
  let total = 0;
  let totalPss = 0;
  for (const name of names) {
    const value = median(warm.map((s) => s.rss[name] ?? 0));
    const pss = median(warm.map((s) => s.pss[name] ?? Number.NaN));
    total += value;
    totalPss += pss;
    lines.push(`  ${name.padEnd(16)} RSS ${formatMiB(value).padStart(10)}   PSS ${pssText(pss).padStart(10)}`);
  }
  lines.push(`  ${'total'.padEnd(16)} RSS ${formatMiB(total).padStart(10)}   PSS ${pssText(totalPss).padStart(10)}`);
  const restarts = [...cold, ...warm].flatMap((s) => s.restarted);
  if (restarts.length > 0) lines.push(`  (restarted or gone during a start, so those starts are suspect: ${[...new Set(restarts)].join(', ')})`);
  return lines;
}
