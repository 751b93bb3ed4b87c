import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort, PORT_IN_USE_EXIT_CODE } from '@microshop/kit/light';
import { getJson } from './http-get.js';
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
/**
 * Until its first answer, an instance has at least this long: a start (migrations, a cold disk, a
 * busy machine) may take longer than a running instance may go unanswered.
 */
const STARTUP_GRACE_MS = 60_000;

export interface LivenessOptions {
  /** An instance whose `/healthz` has not answered 200 for this long is killed and restarted. */
  timeoutMs: number;
}

/** Keeps one instance running: restarts it with exponential backoff when it dies or stops answering, and says why. */
export class Supervisor {
  #child: ChildProcess | undefined;
  #stopping = false;
  /** Messages the instance sends over its IPC channel (the gateway's signals for the autoscaler). */
  onMessage: ((message: unknown) => void) | undefined;
  #backoff = FIRST_BACKOFF_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #watch: NodeJS.Timeout | undefined;
  /** When the running process last answered 200 as itself, to liveness's probe or the runner's readiness check. */
  #answeredAt: number | undefined;
  /** Whether the running process has answered liveness's probe with something other than 200 (it says it is not well). */
  #refused = false;
  restarts = 0;
  /** Why the instance stays down for good (its configuration, or a port it may not change), once it does. */
  failure: string | undefined;

  /** The last message sent with `lasting`, for an instance that starts after it. */
  #lasting: unknown;

  constructor(
    readonly spec: InstanceSpec,
    private readonly say: (line: string) => void,
    private readonly pretty: boolean,
    private readonly liveness?: LivenessOptions,
    /**
     * Given for a port the runner chose: when another program took it first (a port that was free
     * a moment ago may not be by the time the instance listens), the instance moves to a new one
     * and this is called, so the runner tells everyone where it went. Without it (the gateway's
     * port is the user's), a taken port keeps the instance down.
     */
    private readonly onMoved?: (supervisor: Supervisor) => void,
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  /**
   * The runner's readiness check got a 200 from process `pid`: it counts for liveness as its own
   * probe's answer would (an instance hung right after it was found ready must not get the grace
   * of one never seen alive), unless the process has said `/healthz` is failing (an event loop
   * stalled during its start, which `/healthz` reports for a while after): then it keeps the grace.
   */
  answered(pid: number | undefined): void {
    if (pid !== undefined && pid === this.pid && !this.#refused) this.#answeredAt = Date.now();
  }

  /**
   * Sends `message` over the instance's IPC channel now (dropped when it is not running). A `lasting` one (the instance
   * lists) is also sent again when the instance first answers /healthz after a start, so one sent while it was still
   * starting is not lost.
   */
  send(message: unknown, lasting = false): void {
    if (lasting) this.#lasting = message;
    const child = this.#child;
    if (child?.connected) child.send(message as object, (error) => {
      if (error) this.say(`${this.spec.name}: could not send it a message: ${error.message}`);
    });
  }

  start(): void {
    // A stop that came while the runner was getting ready to start it (Ctrl-C during start-up).
    if (this.#stopping) return;
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
    child.on('message', (message) => this.onMessage?.(message));
    this.#watchLiveness(child);
    child.on('exit', (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      clearInterval(this.#watch);
      if (this.#stopping) return;
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (code === CONFIG_ERROR_EXIT_CODE) {
        // A configuration error is not fixed by restarting: say so once and stay down.
        this.failure = 'its configuration is invalid';
        this.say(`${this.spec.name} (pid ${child.pid}) ${why}: its configuration is invalid (see above); not restarting`);
        return;
      }
      if (code === PORT_IN_USE_EXIT_CODE) {
        if (this.onMoved) {
          void this.#move();
          return;
        }
        this.failure = `port ${this.spec.port} is in use by another program`;
        this.say(`${this.spec.name} (pid ${child.pid}) ${why}: port ${this.spec.port} is in use by another program; not restarting`);
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

  /** Restarts the instance at once on a port free now, after another program took its own. */
  async #move(): Promise<void> {
    const taken = this.spec.port;
    const port = await freePort();
    if (this.#stopping) return;
    this.spec.port = port;
    this.spec.env.PORT = String(port);
    this.say(`${this.spec.name}: another program has port ${taken}; moving it to port ${port}`);
    this.onMoved?.(this);
    this.start();
  }

  /**
   * Liveness, as Kubernetes' probe does it: `/healthz` is asked every second (more often for a
   * short timeout), and an instance that has not answered 200 for the timeout (stopped with
   * SIGSTOP, its event loop stuck, or saying it was stuck) is killed; its exit restarts it. A
   * stopped process cannot take SIGTERM, so it gets SIGKILL: what it had not committed is redone
   * from the outbox and the broker, as after any crash.
   */
  #watchLiveness(child: ChildProcess): void {
    clearInterval(this.#watch);
    const timeoutMs = this.liveness?.timeoutMs;
    if (!timeoutMs) return;
    const everyMs = Math.min(1_000, Math.max(100, Math.floor(timeoutMs / 5)));
    const started = Date.now();
    this.#answeredAt = undefined;
    this.#refused = false;
    let resent = false;
    let lastFailure = 'no answer yet';
    let asking = false;
    const watch = setInterval(() => {
      if (this.#child !== child || this.#stopping) {
        clearInterval(watch);
        return;
      }
      const answered = this.#answeredAt;
      const since = answered ?? started;
      const allowed = answered === undefined ? Math.max(timeoutMs, STARTUP_GRACE_MS) : timeoutMs;
      if (Date.now() - since > allowed) {
        clearInterval(watch);
        this.say(
          `${this.spec.name} (pid ${child.pid}) has not answered /healthz for ${Date.now() - since} ms (${lastFailure}); ` +
            'killing it to restart it',
        );
        child.kill('SIGKILL');
        return;
      }
      if (asking) return;
      asking = true;
      getJson(`${this.url}/healthz`, Math.max(everyMs, 500))
        .then(({ status, body }) => {
          const pid = (body as { pid?: unknown } | null)?.pid;
          if (status === 200 && pid !== child.pid) lastFailure = `port ${this.spec.port} is answered by another process (pid ${String(pid)})`;
          else if (status === 200) {
            if (!resent && this.#lasting !== undefined && child.connected) child.send(this.#lasting as object, () => {});
            resent = true;
            this.#answeredAt = Date.now();
          } else {
            if (pid === child.pid) this.#refused = true;
            lastFailure = `answered ${status}: ${(body as { detail?: string } | null)?.detail ?? 'no detail'}`;
          }
        })
        .catch((error: Error) => {
          lastFailure = error.message === 'timed out' ? 'no answer in time' : error.message;
        })
        .finally(() => {
          asking = false;
        });
    }, everyMs);
    watch.unref();
    this.#watch = watch;
  }

  /** From now on an exit is expected (Ctrl-C reaches every process at once): no restart. */
  prepareToStop(): void {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    clearInterval(this.#watch);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    clearInterval(this.#watch);
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
