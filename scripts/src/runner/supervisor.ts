import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { pipeWithPrefix } from './log-lines.js';

export interface InstanceSpec {
  /** e.g. `catalog-1` */
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  port: number;
}

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
/** An instance that stayed up this long is healthy again: its next crash restarts quickly. */
const STABLE_AFTER_MS = 10_000;

/** What a service exits with when its configuration is invalid (the kit's startProcess). */
const CONFIG_ERROR_EXIT_CODE = 2;

/** Keeps one instance running: restarts it with exponential backoff when it dies, and says why. */
export class Supervisor {
  #child: ChildProcess | undefined;
  #stopping = false;
  #backoff = FIRST_BACKOFF_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  restarts = 0;

  constructor(
    readonly spec: InstanceSpec,
    private readonly say: (line: string) => void,
    private readonly pretty: boolean,
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  /** A message over the instance's IPC channel; dropped when it is not running. */
  send(message: unknown): void {
    const child = this.#child;
    if (child?.connected) child.send(message as object, (error) => {
      if (error) this.say(`${this.spec.name}: could not send it a message: ${error.message}`);
    });
  }

  start(): void {
    const child = spawn(process.execPath, [this.spec.script], {
      env: this.spec.env,
      // The IPC channel lets the instance notice when the runner itself dies.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.#child = child;
    this.#startedAt = Date.now();
    if (child.stdout) pipeWithPrefix(child.stdout, this.spec.name, process.stdout, this.pretty);
    if (child.stderr) pipeWithPrefix(child.stderr, this.spec.name, process.stderr, this.pretty);
    this.say(`${this.spec.name} started (pid ${child.pid}, port ${this.spec.port})`);
    child.on('error', (error) => this.say(`${this.spec.name} could not start: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      if (this.#stopping) return;
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (code === CONFIG_ERROR_EXIT_CODE) {
        // A configuration error is not fixed by restarting: say so once and stay down.
        this.say(`${this.spec.name} (pid ${child.pid}) ${why}: its configuration is invalid (see above); not restarting`);
        return;
      }
      if (Date.now() - this.#startedAt > STABLE_AFTER_MS) this.#backoff = FIRST_BACKOFF_MS;
      const delay = this.#backoff;
      this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
      this.restarts++;
      this.say(`${this.spec.name} (pid ${child.pid}) ${why}; restarting in ${delay} ms`);
      this.#restartTimer = setTimeout(() => this.start(), delay);
    });
  }

  /** From now on an exit is expected (Ctrl-C reaches every process at once): no restart. */
  prepareToStop(): void {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.say(`${this.spec.name} did not stop in ${graceMs} ms: killing it`);
      child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }
}
