import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the first output line matching `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Writes to the process's standard input (open only when started with `stdin: true`). */
  write(text: string): void;
}

/** Starts a child process that tests own: its output is captured and stop() always reaps it. */
export function startChild(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: boolean } = {},
): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = once(child, 'exit');

  return {
    write: (input: string) => {
      if (!child.stdin) throw new Error('started without stdin: pass { stdin: true }');
      child.stdin.write(input);
    },
    child,
    output: () => text,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          // Only complete lines: a long line may arrive in several chunks.
          const complete = text.slice(0, text.lastIndexOf('\n') + 1);
          const match = complete.split('\n').find((line) => pattern.test(line));
          if (match !== undefined) {
            cleanup();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`process exited before printing ${pattern}:\n${text.slice(-4000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}:\n${text.slice(-4000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', check);
        };
        waiters.add(check);
        child.on('exit', check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers with `status` (default 200). */
export async function waitForHttp(url: string, options: { status?: number; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === (options.status ?? 200)) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${options.status ?? 200} in time (last: ${last})`);
}

/**
 * Waits for `npm start`'s ready line and returns the gateway's address from it. Started with
 * `PORT=0`, the runner chooses a free port and holds it from its first moment, where a port a test
 * chose beforehand could be taken by another test's process before the gateway listens.
 */
export async function waitForShop(runner: RunningProcess, timeoutMs = 60_000): Promise<string> {
  const ready = /Microshop is ready in \d+ ms: (http:\/\/\S+?)\/(\s|$)/;
  const line = await runner.waitForOutput(ready, timeoutMs);
  const url = ready.exec(line)?.[1];
  if (!url) throw new Error(`no address in the ready line: ${line}`);
  return url;
}
