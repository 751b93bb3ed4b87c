import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size of a process in bytes (Linux /proc, else `ps`). */
export function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux, or gone: try ps
  }
  const out = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  return Number(out) * 1024;
}

/**
 * A process's proportional set size in bytes (Linux 4.14+; NaN elsewhere): its resident pages,
 * those it shares (Node.js's own code, libraries) divided among the processes sharing them. The
 * sum over the shop is the memory it really takes, where the sum of RSS counts Node.js ten times.
 */
export function proportionalBytes(pid: number): number {
  try {
    const kb = /^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * A process's CPU time (user + system) in ms, from Linux /proc (clock ticks of 10 ms): what the
 * other programs on these cores cannot blur the way they blur throughput. 0 for a process gone.
 */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The process ids a process has started (Linux /proc), and theirs: nginx's workers under its master. */
function descendants(pid: number): number[] {
  try {
    const found: number[] = [];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/).map(Number) : []) found.push(child, ...descendants(child));
    }
    return found;
  } catch {
    return [];
  }
}

/** `cpuMs` of a process and every process under it. */
export function cpuMsWithChildren(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, each) => sum + cpuMs(each), 0);
}
