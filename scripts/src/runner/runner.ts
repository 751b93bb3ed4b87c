import { existsSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { ensureLocalKeys, freePort, type LocalKeys, RUNNER_MESSAGE, SIGNALS_MESSAGE, SIGNALS_REQUEST, UPSTREAMS_MESSAGE } from '@microshop/kit/light';
import { Autoscaler, DEFAULT_AUTOSCALER, type Decision, pendingIn, processCpuMs, type Signals } from './autoscaler.js';
import { MAX_INSTANCES, type RunnerConfig } from './config.js';
import { CANARY_STEPS, judgeCanary, type Release, type StepCounts } from './release.js';
import { getJson, getText } from './http-get.js';
import { type ScrapeTarget, writeTargets } from './prometheus-targets.js';
import { serverScript } from './scripts.js';
import { Supervisor } from './supervisor.js';

/** How long a scaled-down instance keeps running after the gateway stops sending it requests. */
const LEAVE_GRACE_MS = 500;
/** How often the autoscaler reads its signals (the gateway samples its traffic as often). */
const AUTOSCALE_INTERVAL_MS = 2_000;
/** Decisions kept for `status` and the dashboard. */
const DECISIONS_KEPT = 100;
/** How often a canary's answers are looked at during a step. */
const CANARY_CHECK_MS = 500;
/** Answers a canary must give in a step before the step can pass. */
const MIN_CANARY_ANSWERS = 5;
/** Signals older than this are not believed (the gateway stopped reporting). */
const SIGNALS_STALE_MS = 10_000;
/** Releases kept for `status` and the dashboard. */
const RELEASES_KEPT = 20;

type InstanceCounts = { url: string; requests: number; failures: number; p95Ms: number | null; healthy?: boolean };
type GatewaySignals = Record<string, { inflight?: number; p95Ms?: number | null; each?: InstanceCounts[] }>;

type Readiness = { pid?: number; services?: Record<string, { healthy: number; instances: number }> };

/**
 * Ready means `/readyz` answers 200 from the instance's own process (not another program that
 * took its port); for the gateway, also that it can reach every instance.
 */
async function isReady(supervisor: Supervisor, gateway: boolean): Promise<boolean> {
  try {
    const { status, body } = await getJson(`${supervisor.url}/readyz`);
    if (status !== 200 || (body as Readiness).pid !== supervisor.pid) return false;
    supervisor.answered((body as Readiness).pid);
    return !gateway || Object.values((body as Readiness).services ?? {}).every((s) => s.healthy === s.instances);
  } catch {
    return false;
  }
}

/**
 * Listens on the gateway's address to hold its port (or, for port 0, to choose one) until the
 * gateway starts. A connection made meanwhile (a service sending spans early) is closed at once,
 * as a port nobody listened on would refuse it: one left open would keep close() from finishing.
 */
function holdPort(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use by another program (set PORT to another, or 0 for any)`) : error),
    );
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

/** The whole system on one machine: every service instance and the gateway as separate processes. */
export class Runner {
  /** Each service's running instances, in start order. */
  readonly #instances = new Map<string, Supervisor[]>();
  /** The last number given to each service's instances (`catalog-3`): a name is never reused. */
  readonly #numbered = new Map<string, number>();
  /** Instances asked to stop by a scale-down, still finishing their requests. */
  readonly #leaving = new Set<Supervisor>();
  /** Instances a scale-up started that are not ready (nor published) yet. */
  readonly #joining = new Set<Supervisor>();
  gateway: Supervisor | undefined;
  #stopping: Promise<void> | undefined;
  #scaling: Promise<unknown> = Promise.resolve();
  #keys: LocalKeys | undefined;
  /** The gateway's port, chosen at start when PORT is 0. */
  #port: number;
  /** Holds the gateway's port while the services start, so no other program takes it meanwhile. */
  #held: Server | undefined;
  #autoscaleTimer: NodeJS.Timeout | undefined;
  /** What the gateway last said of each service (its signals message). */
  #gatewaySignals: GatewaySignals = {};
  #signalsAt = 0;
  /** The autoscaler's decisions, oldest first, and each service's instance count over time. */
  readonly decisions: Decision[] = [];
  readonly #history: Array<{ t: number; instances: Record<string, number> }> = [];
  /** Canaries on trial: their URL and share of the traffic, by service (sent with the instance lists). */
  readonly #canaries = new Map<string, { url: string; percent: number }>();
  /** Releases, oldest first (`deploy`). */
  readonly releases: Release[] = [];
  #autoscaleReport: Record<string, unknown> | undefined;

  constructor(
    private readonly config: RunnerConfig,
    private readonly say: (line: string) => void = (line) => process.stdout.write(`${'runner'.padEnd(16)}| ${line}\n`),
  ) {
    this.#port = config.port;
  }

  get gatewayUrl(): string {
    const host = this.config.host === '0.0.0.0' || this.config.host === '::' ? 'localhost' : this.config.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.#port}`;
  }

  /** The script of each process folder, chosen at its first start and kept for its restarts and scale-ups. */
  readonly #scripts = new Map<string, string>();

  #script(dir: string): string {
    const known = this.#scripts.get(dir);
    if (known) return known;
    const { script, bundled } = serverScript(this.config.root, dir);
    if (!bundled) this.say(`no up-to-date bundle in ${dir} (npm run build makes one): starting its compiled server, which starts slower`);
    this.#scripts.set(dir, script);
    return script;
  }

  /** Every service instance now running or starting. */
  get services(): Supervisor[] {
    return [...this.#instances.values()].flat();
  }

  /** `catalog=http://…,http://…;orders=…`, as MICROSHOP_UPSTREAMS reads it. */
  #upstreamsText(): string {
    return [...this.#instances].map(([service, list]) => `${service}=${list.map((s) => s.url).join(',')}`).join(';');
  }

  /** The environment of one process: the runner's own, with its key files and no inherited key material. */
  #envFor(name: string, extra: Record<string, string>): NodeJS.ProcessEnv {
    const keys = this.#keys;
    if (!keys) throw new Error('keys are made before any process starts');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const variable of ['MICROSHOP_TRUST', 'MICROSHOP_SERVICE_KEY', 'IDENTITY_SIGNING_KEY', 'IDENTITY_SIGNING_KEY_FILE']) delete env[variable];
    Object.assign(env, {
      MICROSHOP_DATA_DIR: resolve(this.config.dataDir),
      MICROSHOP_TRUST_FILE: keys.trustFile,
      MICROSHOP_SERVICE_KEY_FILE: keys.serviceKeyFile(name),
      ...(name === 'identity' ? { IDENTITY_SIGNING_KEY_FILE: keys.identitySigningFile } : {}),
      ...extra,
    });
    return env;
  }

  async #addInstance(service: string, script?: string): Promise<Supervisor> {
    const i = (this.#numbered.get(service) ?? 0) + 1;
    this.#numbered.set(service, i);
    const port = await freePort();
    const supervisor = new Supervisor(
      {
        name: `${service}-${i}`,
        script: script ?? this.#script(join(this.config.root, 'services', service)),
        port,
        env: this.#envFor(service, {
          PORT: String(port),
          HOST: '127.0.0.1',
          MICROSHOP_INSTANCE_ID: `${service}-${i}`,
          // Spans go to the gateway's built-in trace store (SPEC §5b).
          MICROSHOP_TRACE_STORE_URL: process.env.MICROSHOP_TRACE_STORE_URL ?? this.gatewayUrl,
        }),
      },
      this.say,
      this.config.logFormat === 'pretty',
      { timeoutMs: this.config.livenessTimeoutMs },
      () => this.#publishUpstreams(),
    );
    const list = this.#instances.get(service) ?? [];
    list.push(supervisor);
    this.#instances.set(service, list);
    return supervisor;
  }

  /** Starts everything and resolves once the gateway and every instance answer `/readyz`. */
  async start(): Promise<number> {
    const began = performance.now();
    this.#held = await holdPort(this.config.host, this.config.port);
    this.#port = (this.#held.address() as AddressInfo).port;
    // Generated at the first start, kept after: a private key per process, identity's token key,
    // and the bundle of public keys everyone verifies with (SPEC §5a).
    this.#keys = await ensureLocalKeys(resolve(this.config.dataDir), [...this.config.services, 'gateway']);
    for (const service of this.config.services) {
      const bounds = this.config.autoscale[service];
      const wanted = this.config.instances[service] ?? 1;
      // An autoscaled service starts within its bounds.
      const count = bounds ? Math.min(bounds.max, Math.max(bounds.min, wanted)) : wanted;
      for (let i = 1; i <= count; i++) await this.#addInstance(service);
    }
    // Services call each other rarely (orders reads the cart), at the same addresses the gateway uses.
    for (const supervisor of this.services) supervisor.spec.env.MICROSHOP_UPSTREAMS = this.#upstreamsText();
    // The gateway starts with them: a start is CPU-bound, and started after the services it ran on
    // one core while the other stayed idle (about 0.3 s of `npm start`'s 2.9). While an instance
    // is down the gateway checks it every quarter second, and it counts as ready below once it
    // finds every instance healthy, so ready still means the whole shop answers through it.
    // Several gateway processes (GATEWAY_PROCESSES) each check for themselves, and only the one
    // answering /readyz is known to see them all: those start after the services, as before.
    for (const supervisor of this.services) supervisor.start();
    if (Number(process.env.GATEWAY_PROCESSES ?? 1) > 1) await this.#waitReady(this.services);
    this.gateway = new Supervisor(
      {
        name: 'gateway-1',
        script: this.#script(join(this.config.root, 'gateway')),
        port: this.#port,
        env: this.#envFor('gateway', {
          PORT: String(this.#port),
          HOST: this.config.host,
          MICROSHOP_UPSTREAMS: this.#upstreamsText(),
          MICROSHOP_INSTANCE_ID: 'gateway-1',
        }),
      },
      this.say,
      this.config.logFormat === 'pretty',
      { timeoutMs: this.config.livenessTimeoutMs },
    );
    this.gateway.onMessage = (message) => {
      const { type, services } = (message ?? {}) as { type?: unknown; services?: unknown };
      if (type === SIGNALS_MESSAGE && typeof services === 'object' && services !== null) {
        this.#gatewaySignals = services as GatewaySignals;
        this.#signalsAt = Date.now();
      }
    };
    await this.#release();
    this.gateway.start();
    await this.#waitReady(this.services);
    await this.#waitReady([this.gateway]);
    this.#writeTargets();
    this.#startAutoscaler();
    return Math.round(performance.now() - began);
  }

  async #release(): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    if (held) await new Promise((done) => held.close(done));
  }

  async #waitReady(supervisors: Supervisor[]): Promise<void> {
    const pending = new Set(supervisors);
    const deadline = Date.now() + this.config.readyTimeoutMs;
    while (pending.size > 0) {
      if (this.#stopping) throw new Error('stopped before ready');
      const failed = [...pending].find((s) => s.failure);
      if (failed) throw new Error(`${failed.spec.name} cannot start: ${failed.failure}`);
      if (Date.now() > deadline) {
        throw new Error(`not ready after ${this.config.readyTimeoutMs} ms: ${[...pending].map((s) => s.spec.name).join(', ')}`);
      }
      await Promise.all(
        [...pending].map(async (supervisor) => {
          if (await isReady(supervisor, supervisor === this.gateway)) pending.delete(supervisor);
        }),
      );
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Tells the gateway and every instance (now, over IPC, and at their next restart, by their
   * environment) where every instance is: orders' calls to cart and payments follow a scale too.
   */
  #publishUpstreams(): void {
    const text = this.#upstreamsText();
    const upstreams = Object.fromEntries([...this.#instances].map(([service, list]) => [service, list.map((s) => s.url)]));
    const canaries = Object.fromEntries(this.#canaries);
    for (const supervisor of [...this.services, ...(this.gateway ? [this.gateway] : [])]) {
      supervisor.spec.env.MICROSHOP_UPSTREAMS = text;
      supervisor.send({ type: UPSTREAMS_MESSAGE, upstreams, canaries }, true);
    }
    this.#writeTargets();
  }

  /** Where Prometheus finds every process's /metrics (deploy/observability): rewritten whenever instances change. */
  #writeTargets(running = true): void {
    const targets: ScrapeTarget[] = [];
    if (running) {
      for (const [service, list] of this.#instances) {
        for (const s of list) targets.push({ address: `127.0.0.1:${s.spec.port}`, service, instance: s.spec.name });
      }
      if (this.gateway) targets.push({ address: new URL(this.gatewayUrl).host, service: 'gateway', instance: this.gateway.spec.name });
    }
    try {
      writeTargets(resolve(this.config.dataDir), targets);
    } catch (error) {
      this.say(`could not write the Prometheus targets file: ${(error as Error).message}`);
    }
  }

  /**
   * Runs `count` instances of `service`. New instances join the gateway's pool once ready; leaving
   * ones are taken out of it first, then stopped gracefully, so requests in flight finish.
   * One scaling at a time; resolves with a line saying what changed.
   */
  scale(service: string, count: number): Promise<string> {
    const run = this.#scaling.then(() => this.#scale(service, count));
    this.#scaling = run.catch(() => undefined);
    return run;
  }

  async #scale(service: string, count: number): Promise<string> {
    const list = this.#instances.get(service);
    if (!list) throw new Error(`no service called ${JSON.stringify(service)} (known: ${[...this.#instances.keys()].join(', ')})`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_INSTANCES) throw new Error(`wants 1 to ${MAX_INSTANCES} instances, got ${count}`);
    if (this.#stopping) throw new Error('stopping');
    const before = list.length;
    if (count > before) {
      const added = await this.#startUnpublished(service, count - before);
      this.#instances.set(service, [...(this.#instances.get(service) ?? []), ...added]);
      this.#publishUpstreams();
    } else if (count < before) {
      await this.#retire(service, list.slice(count));
    }
    const names = (this.#instances.get(service) ?? []).map((s) => s.spec.name).join(', ');
    return `${service}: ${before} -> ${count} instance(s) (${names})`;
  }

  /**
   * MICROSHOP_AUTOSCALE: every 2 s, each bounded service's signals (its instances' CPU from /proc,
   * what the gateway has in flight to it and its p95 there, its consumers' backlog from its
   * /metrics) go to the Autoscaler, and what it decides is done with scale(), one change at a
   * time, logged with its reason and told to the gateway for /ops.
   */
  #startAutoscaler(): void {
    const bounds = this.config.autoscale;
    const services = Object.keys(bounds);
    if (services.length === 0) return;
    const autoscaler = new Autoscaler(bounds, { ...DEFAULT_AUTOSCALER, cooldownMs: this.config.autoscaleCooldownMs });
    this.say(`autoscaling ${services.map((s) => `${s} ${bounds[s]?.min}-${bounds[s]?.max}`).join(', ')} (scale-in after ${this.config.autoscaleCooldownMs / 1000} s quiet)`);
    const cpuSeen = new Map<number, { ms: number; at: number }>();
    let busy = false;
    const tick = async () => {
      // A release under way has the scaling queue (and decides its service's instances) until it ends.
      if (busy || this.#stopping || this.releases.some((r) => r.endedAt === undefined)) return;
      busy = true;
      try {
        for (const service of services) {
          const signals = await this.#signalsOf(service, cpuSeen);
          if (!signals) continue;
          const decision = autoscaler.decide(service, signals, performance.now());
          if (!decision || decision.to === signals.instances) continue;
          const entry: Decision = { at: new Date().toISOString(), service, from: signals.instances, to: decision.to, reason: decision.reason };
          this.decisions.push(entry);
          if (this.decisions.length > DECISIONS_KEPT) this.decisions.shift();
          this.say(`autoscale ${service} ${entry.from} -> ${entry.to}: ${entry.reason}`);
          try {
            this.say(`scaled ${await this.scale(service, decision.to)}`);
          } catch (error) {
            this.say(`autoscale ${service} failed: ${(error as Error).message}`);
          }
        }
        this.#history.push({ t: Date.now(), instances: Object.fromEntries(services.map((s) => [s, this.#instances.get(s)?.length ?? 0])) });
        if (this.#history.length > 450) this.#history.shift();
        this.#autoscaleReport = { bounds, decisions: this.decisions.slice(-20), history: this.#history.slice(-150) };
        this.#report();
      } finally {
        busy = false;
      }
    };
    this.#autoscaleTimer = setInterval(() => void tick(), AUTOSCALE_INTERVAL_MS);
    this.#autoscaleTimer.unref();
  }

  async #signalsOf(service: string, cpuSeen: Map<number, { ms: number; at: number }>): Promise<Signals | undefined> {
    const list = this.#instances.get(service) ?? [];
    if (list.length === 0) return undefined;
    let cores = 0;
    let measured = 0;
    const now = performance.now();
    for (const supervisor of list) {
      const pid = supervisor.pid;
      const ms = pid === undefined ? undefined : processCpuMs(pid);
      if (pid === undefined || ms === undefined) continue;
      const before = cpuSeen.get(pid);
      cpuSeen.set(pid, { ms, at: now });
      if (!before || now <= before.at) continue;
      cores += (ms - before.ms) / (now - before.at);
      measured++;
    }
    let backlog = 0;
    try {
      const first = list[0];
      if (first) backlog = pendingIn((await getText(`${first.url}/metrics`)).text);
    } catch {
      // No metrics this time: the other signals decide.
    }
    for (const pid of cpuSeen.keys()) if (!list.some((s) => s.pid === pid)) cpuSeen.delete(pid);
    const seen = Date.now() - this.#signalsAt < SIGNALS_STALE_MS ? (this.#gatewaySignals[service] ?? {}) : {};
    return {
      instances: list.length,
      cpu: measured > 0 ? cores / measured : 0,
      inflight: (seen.inflight ?? 0) / list.length,
      p95Ms: seen.p95Ms ?? null,
      backlog,
    };
  }

  /** Tells the gateway what the autoscaler and the releases are doing (the dashboard shows it). */
  #report(): void {
    this.gateway?.send({ type: RUNNER_MESSAGE, autoscale: this.#autoscaleReport ?? null, releases: this.releases.slice(-RELEASES_KEPT) });
  }

  /**
   * `deploy <service> [script]`: a canary release of the service's newly built code (or of
   * `script`, another release's server). One instance of it starts beside the stable ones and,
   * once ready, takes 5 %, 25 %, 50 %, then 100 % of the service's requests at the gateway (and
   * of the services' calls), for `canaryStepMs` each; its failures and p95 are compared with the
   * stable instances' every half second (judgeCanary). A step it fails rolls it back at once: its
   * share goes back to the stable instances and it stops gracefully. After the last step it is
   * promoted: the stable instances are replaced, one new-code instance for each, and the service's
   * later restarts and scale-ups run the new code. Resolves with what happened.
   */
  deploy(service: string, script?: string): Promise<string> {
    const run = this.#scaling.then(() => this.#deploy(service, script));
    this.#scaling = run.catch(() => undefined);
    return run;
  }

  async #deploy(service: string, script: string | undefined): Promise<string> {
    const stable = this.#instances.get(service);
    if (!stable) throw new Error(`no service called ${JSON.stringify(service)} (known: ${[...this.#instances.keys()].join(', ')})`);
    if (this.#stopping) throw new Error('stopping');
    const dir = join(this.config.root, 'services', service);
    const newScript = script ? resolve(script) : serverScript(this.config.root, dir).script;
    if (!existsSync(newScript)) throw new Error(`no server at ${newScript}`);
    const release: Release = {
      service,
      startedAt: new Date().toISOString(),
      script: newScript,
      canary: undefined,
      percent: 0,
      state: 'starting',
      steps: [],
      reason: undefined,
      endedAt: undefined,
    };
    this.releases.push(release);
    if (this.releases.length > RELEASES_KEPT) this.releases.shift();
    const end = (state: Release['state'], reason: string): string => {
      release.state = state;
      release.reason = reason;
      release.endedAt = new Date().toISOString();
      this.#report();
      return `${service} ${state}: ${reason}`;
    };
    this.say(`deploy ${service}: starting ${newScript} beside ${stable.length} stable instance(s)`);
    this.#report();
    const before = [...stable];
    let canary: Supervisor;
    try {
      [canary] = (await this.#startUnpublished(service, 1, newScript)) as [Supervisor];
    } catch (error) {
      return end('failed', `the new release never became ready: ${(error as Error).message}`);
    }
    release.canary = canary.spec.name;
    release.state = 'on trial';
    this.#canaries.set(service, { url: canary.url, percent: 0 });
    this.#instances.set(service, [...before, canary]);
    this.#publishUpstreams();

    for (const percent of CANARY_STEPS) {
      release.percent = percent;
      this.#canaries.set(service, { url: canary.url, percent });
      this.#publishUpstreams();
      this.say(`deploy ${service}: ${canary.spec.name} takes ${percent}% of the traffic`);
      this.#report();
      const start = await this.#countsOf(service, canary.url);
      const began = Date.now();
      let judged: ReturnType<typeof judgeCanary> | undefined;
      let step: { canary: StepCounts; stable: StepCounts } | undefined;
      while (!this.#stopping) {
        await new Promise((r) => setTimeout(r, CANARY_CHECK_MS));
        const now = await this.#countsOf(service, canary.url);
        // Counts are the gateway's since it started: fewer than at the step's start means it restarted.
        const since = (a: StepCounts, b: StepCounts): StepCounts => {
          if (a.requests < b.requests || a.failures < b.failures) return a;
          return { requests: a.requests - b.requests, failures: a.failures - b.failures, p95Ms: a.p95Ms };
        };
        step = { canary: since(now.canary, start.canary), stable: since(now.stable, start.stable) };
        const elapsed = Date.now() - began;
        // A step needs answers from the canary to be judged on: it waits for some, up to five times its length.
        const final = elapsed >= this.config.canaryStepMs && (step.canary.requests >= MIN_CANARY_ANSWERS || elapsed >= 5 * this.config.canaryStepMs);
        judged = judgeCanary(step.canary, step.stable, final);
        if (judged.verdict === 'pass' && step.canary.requests < MIN_CANARY_ANSWERS) {
          const seconds = Math.round(elapsed / 1000);
          judged = { verdict: 'fail', reason: `the canary answered ${step.canary.requests} request(s) in ${seconds} s: too few to judge it on` };
        }
        if (judged.verdict === 'pass' && now.canaryHealthy === false) judged = { verdict: 'fail', reason: 'the gateway has marked the canary down' };
        if (judged.verdict !== 'wait') break;
      }
      if (!judged || !step) return end('failed', 'stopped during the release');
      release.steps.push({ percent, ...step, verdict: judged.verdict, reason: judged.reason });
      this.say(`deploy ${service}: at ${percent}%: ${judged.verdict === 'pass' ? 'passed' : 'FAILED'}: ${judged.reason}`);
      if (judged.verdict === 'fail') {
        release.state = 'rolling back';
        this.#canaries.delete(service);
        await this.#retire(service, [canary]);
        return end('rolled back', `at ${percent}%: ${judged.reason}`);
      }
    }

    // Promoted: the new code replaces every stable instance, which then leave gracefully.
    release.state = 'promoting';
    this.#report();
    this.#canaries.delete(service);
    this.#scripts.set(dir, newScript);
    this.#publishUpstreams();
    try {
      // One at a time: a new-code instance joins, then a stable one leaves (the canary stands in for
      // the last), so the service never runs more than one instance over its count.
      const olds = [...before];
      while (olds.length > 1) {
        await this.#scale(service, (this.#instances.get(service)?.length ?? 0) + 1);
        await this.#retire(service, [olds.shift() as Supervisor]);
      }
      await this.#retire(service, olds);
    } catch (error) {
      return end('failed', `promoting failed, the instances are left as they are: ${(error as Error).message}`);
    }
    const names = (this.#instances.get(service) ?? []).map((s) => s.spec.name).join(', ');
    return end('promoted', `${service} runs the new release on ${names}`);
  }

  /** The service's counts at the gateway now: the canary's, and the other instances' summed (their p95 the highest of theirs). */
  async #countsOf(service: string, canaryUrl: string): Promise<{ canary: StepCounts; stable: StepCounts; canaryHealthy: boolean | undefined }> {
    this.gateway?.send({ type: SIGNALS_REQUEST });
    await new Promise((r) => setTimeout(r, 100));
    const each = this.#gatewaySignals[service]?.each ?? [];
    const canary = each.find((i) => i.url === canaryUrl);
    const others = each.filter((i) => i.url !== canaryUrl);
    const p95s = others.map((i) => i.p95Ms).filter((p): p is number => p !== null);
    return {
      canaryHealthy: canary?.healthy,
      canary: { requests: canary?.requests ?? 0, failures: canary?.failures ?? 0, p95Ms: canary?.p95Ms ?? null },
      stable: {
        requests: others.reduce((sum, i) => sum + i.requests, 0),
        failures: others.reduce((sum, i) => sum + i.failures, 0),
        p95Ms: p95s.length > 0 ? Math.max(...p95s) : null,
      },
    };
  }

  /**
   * Starts `n` more instances of `service` (running `script` if given) and resolves once they are
   * ready, without publishing them: the gateway never sees them starting. If they do not become
   * ready they are stopped and the error is thrown.
   */
  async #startUnpublished(service: string, n: number, script?: string): Promise<Supervisor[]> {
    const published = [...(this.#instances.get(service) ?? [])];
    const added: Supervisor[] = [];
    for (let i = 0; i < n; i++) added.push(await this.#addInstance(service, script));
    this.#instances.set(service, published);
    for (const supervisor of added) {
      supervisor.spec.env.MICROSHOP_UPSTREAMS = this.#upstreamsText();
      this.#joining.add(supervisor);
      supervisor.start();
    }
    try {
      await this.#waitReady(added);
    } catch (error) {
      await Promise.all(added.map((s) => s.stop()));
      throw error;
    } finally {
      for (const supervisor of added) this.#joining.delete(supervisor);
    }
    return added;
  }

  /** Takes these instances of `service` out of the gateway's pool, then stops them gracefully. */
  async #retire(service: string, leaving: Supervisor[]): Promise<void> {
    this.#instances.set(service, (this.#instances.get(service) ?? []).filter((s) => !leaving.includes(s)));
    this.#publishUpstreams();
    for (const supervisor of leaving) {
      supervisor.prepareToStop();
      this.#leaving.add(supervisor);
    }
    // A request the gateway sent just before the update may still be on its way.
    await new Promise((r) => setTimeout(r, LEAVE_GRACE_MS));
    await Promise.all(leaving.map((s) => s.stop().finally(() => this.#leaving.delete(s))));
  }

  /** One line per service: its instances with pid and port. */
  status(): string[] {
    return [...this.#instances].map(
      ([service, list]) => `${service.padEnd(14)} ${list.map((s) => `${s.spec.name} (pid ${s.pid ?? '-'}, port ${s.spec.port})`).join(', ')}`,
    );
  }

  /** Gateway first (no new traffic), then the services; each gets SIGTERM, then SIGKILL. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#autoscaleTimer);
      const instances = [...this.services, ...this.#joining, ...this.#leaving];
      for (const supervisor of [...instances, this.gateway]) supervisor?.prepareToStop();
      await this.#release();
      await this.gateway?.stop();
      await Promise.all(instances.map((s) => s.stop()));
      // Nothing left to scrape: an empty list rather than addresses another program may take next.
      // A runner that started nothing (its port was taken) leaves the list of the one running alone.
      if (this.gateway || this.services.length > 0) this.#writeTargets(false);
    })();
    return this.#stopping;
  }
}
