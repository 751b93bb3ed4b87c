import cluster, { type Worker } from 'node:cluster';
import { SIGNALS_MESSAGE, SIGNALS_REQUEST } from '@microshop/kit';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { FaultInjector } from './faults.js';
import type { StoredSpan, TraceStore } from './traces/store.js';
import type { ServiceSignals } from './upstreams/signals.js';

/**
 * Several gateway processes on the one port (GATEWAY_PROCESSES, opt-in; one by default). The
 * process the runner (or a container) starts becomes node:cluster's primary: it forks the
 * workers, which share the listening socket and each accept connections from it; it only relays.
 * What a worker holds is made to hold for the whole gateway:
 * - the runner's messages (instance lists, canaries, its report) reach every worker;
 * - the trace store and injected faults are shared: each change a worker makes is sent to the
 *   others through the primary;
 * - traffic counts are combined: the runner gets one signals message summed over the workers,
 *   `/metrics` answers the sum of every worker's (prom-client's AggregatorRegistry), and each
 *   worker's traffic samples reach the others for /ops;
 * - the rate limits are divided: each worker allows 1/N of each limit, so a client never gets more
 *   than the limit, though one whose connections all reach one worker gets less;
 * - /healthz and /readyz name the primary's pid: the runner's checks know the gateway by it.
 */

export const SHARE_MESSAGE = 'microshop.cluster.share';
const METRICS_REQUEST = 'microshop.cluster.metrics';
const METRICS_ANSWER = 'microshop.cluster.metrics.answer';
/** A worker that dies within this of starting died at start; this many in a row stop the gateway. */
const EARLY_DEATH_MS = 5_000;
const EARLY_DEATHS_ALLOWED = 5;
/** The primary asks a worker for every span it holds, for a worker that just started. */
const SNAPSHOT_REQUEST = 'microshop.cluster.snapshot';
/** A worker has its message handlers in place (messages sent to it before are lost). */
const WORKER_READY = 'microshop.cluster.ready';

/** A message to a worker that died meanwhile is dropped (without a callback, the failure would throw). */
const ignore = () => {};

/** This many gateway processes serve the port (1: no cluster). */
export function gatewayProcesses(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.GATEWAY_PROCESSES?.trim();
  if (!text) return 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`GATEWAY_PROCESSES must be a whole number from 1 to 16 (got ${JSON.stringify(text)})`);
  return n;
}

/** Whether this process is one of several gateway workers. */
export function inCluster(): boolean {
  return cluster.isWorker && gatewayProcesses() > 1;
}

/** The workers' latest signals as one: counts and rates summed, latencies the highest. */
export function combineSignals(all: ReadonlyArray<Record<string, ServiceSignals>>): Record<string, ServiceSignals> {
  const out: Record<string, ServiceSignals> = {};
  const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
  for (const services of all) {
    for (const [name, s] of Object.entries(services)) {
      const into = out[name];
      if (!into) {
        out[name] = { ...s, each: s.each.map((i) => ({ ...i })) };
        continue;
      }
      const failures = into.errorRate * into.rps + s.errorRate * s.rps;
      into.rps += s.rps;
      into.errorRate = into.rps > 0 ? failures / into.rps : 0;
      into.inflight += s.inflight;
      into.p95Ms = max(into.p95Ms, s.p95Ms);
      for (const instance of s.each) {
        const seen = into.each.find((i) => i.url === instance.url);
        if (!seen) into.each.push({ ...instance });
        else {
          seen.requests += instance.requests;
          seen.failures += instance.failures;
          seen.p95Ms = max(seen.p95Ms, instance.p95Ms);
          seen.healthy = seen.healthy && instance.healthy;
        }
      }
    }
  }
  return out;
}

/**
 * The primary: forks `processes` workers (each restarted if it dies), relays the runner's messages
 * to all of them and their shares to each other, answers their requests for the cluster's
 * metrics, and sends the runner the workers' signals as one. SIGTERM/SIGINT stop the workers
 * gracefully, then the primary.
 */
export function runPrimary(processes: number): void {
  const aggregator = new AggregatorRegistry();
  const signals = new Map<number, Record<string, ServiceSignals>>();
  let stopping = false;
  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  // The workers accept from the shared socket themselves. With the primary handing connections
  // round-robin (node's default), a connection handed to a worker as it died was never answered
  // (seen in the kill test): node does not hand it to another.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const fork = () => cluster.fork({ GATEWAY_WORKER: '1' });
  /** The runner's last message of each kind, and the faults set: a worker that (re)starts is given them. */
  const fromRunner = new Map<string, object>();
  const faults = new Map<string, unknown>();
  const welcome = (worker: Worker) => {
    for (const message of fromRunner.values()) worker.send(message, undefined, ignore);
    for (const [service, settings] of faults) worker.send({ type: SHARE_MESSAGE, channel: 'faults', payload: { service, settings } }, undefined, ignore);
    // The traces the others hold (a worker that restarted starts with none).
    const donor = workers().find((w) => w !== worker && w.isConnected());
    donor?.send({ type: SNAPSHOT_REQUEST, for: worker.id }, undefined, ignore);
  };
  for (let i = 0; i < processes; i++) fork();
  /** Workers that died soon after starting, in a row: a worker that cannot start is not forked for ever. */
  let earlyDeaths = 0;
  const startedAt = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();
  cluster.on('fork', (worker) => startedAt.set(worker.id, Date.now()));
  cluster.on('exit', (worker, code, signal) => {
    signals.delete(worker.id);
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (stopping) {
      if (workers().filter((w) => w !== worker).length === 0) process.exit(0);
      return;
    }
    earlyDeaths = lived < EARLY_DEATH_MS ? earlyDeaths + 1 : 0;
    if (earlyDeaths >= EARLY_DEATHS_ALLOWED) {
      // Its own exit code tells the runner why (a port in use, a configuration error).
      process.stderr.write(`gateway workers keep failing at start (last: ${signal ?? `code ${code}`}): stopping\n`);
      stopping = true;
      for (const other of workers()) other.process.kill('SIGTERM');
      process.exit(typeof code === 'number' && code !== 0 ? code : 1);
    }
    process.stderr.write(`gateway worker ${worker.process.pid} ${signal ? `killed by ${signal}` : `exited with code ${code}`}: starting another\n`);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopping) fork();
    }, 250 * 2 ** earlyDeaths);
    timers.add(timer);
  });
  cluster.on('message', (worker, message: { type?: unknown; services?: unknown; requestId?: unknown }) => {
    if (message?.type === WORKER_READY) welcome(worker);
    else if (message?.type === SHARE_MESSAGE) {
      const { channel, payload, for: only } = message as { channel?: unknown; payload?: { service?: unknown; settings?: unknown }; for?: unknown };
      if (channel === 'faults' && typeof payload?.service === 'string') {
        if (payload.settings) faults.set(payload.service, payload.settings);
        else faults.delete(payload.service);
      }
      for (const other of workers()) {
        if (other !== worker && other.isConnected() && (only === undefined || other.id === only)) other.send(message, undefined, ignore);
      }
    } else if (message?.type === SIGNALS_MESSAGE && typeof message.services === 'object' && message.services !== null) {
      signals.set(worker.id, message.services as Record<string, ServiceSignals>);
      process.send?.({ type: SIGNALS_MESSAGE, services: combineSignals([...signals.values()]) }, undefined, {}, () => {});
    } else if (message?.type === METRICS_REQUEST) {
      aggregator.clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: METRICS_ANSWER, requestId: message.requestId, text }, undefined, ignore),
        (error: Error) => {
          if (worker.isConnected()) worker.send({ type: METRICS_ANSWER, requestId: message.requestId, error: error.message }, undefined, ignore);
        },
      );
    }
  });
  // The runner's messages (and its requests for signals) go to every worker.
  process.on('message', (message: unknown) => {
    const type = (message as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type !== SIGNALS_REQUEST) fromRunner.set(type, message as object);
    for (const worker of workers()) if (worker.isConnected()) worker.send(message as object, undefined, ignore);
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    for (const worker of workers()) worker.process.kill('SIGTERM');
    if (workers().length === 0) process.exit(0);
    // A worker whose exit went unnoticed does not keep the primary for ever.
    setTimeout(() => process.exit(0), 15_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Started by the runner: do not outlive it.
  if (process.send) process.once('disconnect', stop);
}

/** In a worker, once everything listens for messages: the primary then sends what the others know. */
export function announceReady(): void {
  process.send?.({ type: WORKER_READY });
}

/** In a worker: sends `payload` on `channel` to the other workers (through the primary). */
function share(channel: string, payload: unknown): void {
  process.send?.({ type: SHARE_MESSAGE, channel, payload }, undefined, {}, () => {});
}

function onShare(channel: string, handle: (payload: unknown) => void): void {
  process.on('message', (message: { type?: unknown; channel?: unknown; payload?: unknown }) => {
    if (message?.type === SHARE_MESSAGE && message.channel === channel) handle(message.payload);
  });
}

/** In a worker: every span added here is added in the other workers too, and theirs here. */
export function shareTraces(traces: TraceStore): void {
  const add = traces.add.bind(traces);
  traces.add = (spans: readonly StoredSpan[]) => {
    add(spans);
    if (spans.length > 0) share('traces', spans);
  };
  onShare('traces', (spans) => {
    if (Array.isArray(spans)) add(spans as StoredSpan[]);
  });
  // A worker that just started asks (through the primary) for what this one holds.
  process.on('message', (message: { type?: unknown; for?: unknown }) => {
    if (message?.type !== SNAPSHOT_REQUEST || typeof message.for !== 'number') return;
    process.send?.({ type: SHARE_MESSAGE, channel: 'traces-snapshot', payload: traces.spans(), for: message.for }, undefined, {}, () => {});
  });
  // Spans that reached this worker since it started are in the snapshot too: each is kept once.
  onShare('traces-snapshot', (spans) => {
    if (!Array.isArray(spans)) return;
    const held = new Set(traces.spans().map((span) => span.spanId));
    add((spans as StoredSpan[]).filter((span) => !held.has(span.spanId)));
  });
}

/** In a worker: faults an admin sets or clears here are set or cleared in the other workers too. */
export function shareFaults(faults: FaultInjector): void {
  const set = faults.set.bind(faults);
  const clear = faults.clear.bind(faults);
  faults.set = (service, settings) => {
    set(service, settings);
    share('faults', { service, settings });
  };
  faults.clear = (service) => {
    const cleared = clear(service);
    share('faults', { service, settings: null });
    return cleared;
  };
  onShare('faults', (payload) => {
    const { service, settings } = (payload ?? {}) as { service?: unknown; settings?: Parameters<FaultInjector['set']>[1] | null };
    if (typeof service !== 'string') return;
    if (settings) set(service, settings);
    else clear(service);
  });
}

/** In a worker: what this worker's traffic samples were, for the others (see TrafficSampler.peers). */
export function shareSamples(publish: (listener: (payload: unknown) => void) => void, receive: (from: number, payload: unknown) => void): void {
  publish((payload) => share('samples', { from: process.pid, payload }));
  onShare('samples', (message) => {
    const { from, payload } = (message ?? {}) as { from?: unknown; payload?: unknown };
    if (typeof from === 'number') receive(from, payload);
  });
}

let nextRequest = 0;

/** In a worker: the whole gateway's metrics, every worker's summed by the primary. */
export function clusterMetrics(registry: Registry): () => Promise<string> {
  // prom-client answers the primary's requests for this worker's metrics from these registries.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: { type?: unknown; requestId?: unknown; text?: unknown; error?: unknown }) => {
    if (message?.type !== METRICS_ANSWER || typeof message.requestId !== 'number') return;
    const pending = waiting.get(message.requestId);
    waiting.delete(message.requestId);
    if (typeof message.text === 'string') pending?.resolve(message.text);
    else pending?.reject(new Error(String(message.error ?? 'no metrics')));
  });
  return () =>
    new Promise((resolve, reject) => {
      const requestId = nextRequest++;
      const timer = setTimeout(() => {
        waiting.delete(requestId);
        reject(new Error('the gateway primary did not answer with the metrics'));
      }, 5_000);
      waiting.set(requestId, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ type: METRICS_REQUEST, requestId });
    });
}
