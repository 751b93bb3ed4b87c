import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, type RunningProcess, startChild, tempDir, waitForHttp } from '@microshop/testing';
import { ensureLocalKeys } from '@microshop/kit/light';
import autocannon from 'autocannon';
import { serverScript } from '../runner/scripts.js';
import { cpuMsWithChildren } from './process-memory.js';
import { median } from './stats.js';


interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

interface LoadOptions {
  seconds: number;
  connections: number;
  headers?: Record<string, string>;
}

/** autocannon in this process, when wrk is missing. */
async function loadInProcess(url: string, options: LoadOptions): Promise<Result> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    headers: options.headers,
  });
  // A handful of socket errors when the run stops mid-request are noise; more is a broken target.
  if (result.non2xx > 0 || result.errors > Math.max(10, result.requests.total / 1000)) {
    throw new Error(`${url}: ${result.non2xx} non-2xx and ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors };
}

/**
 * Latency at a fixed rate, from an open-loop client in its own process (paced-load.ts): each
 * request is timed from when it was due, so queueing in the target shows.
 */
async function loadPaced(url: string, options: LoadOptions & { rate: number }): Promise<Result> {
  const headerArgs = Object.entries(options.headers ?? {}).map(([name, value]) => `${name}:${value}`);
  const script = fileURLToPath(new URL('./paced-load.js', import.meta.url));
  const args = [script, url, String(options.rate), String(options.seconds), String(options.connections), ...headerArgs];
  const { stdout } = await promisify(execFile)(process.execPath, args);
  const result = JSON.parse(stdout) as { sent: number; ok: number; failed: number; p50: number; p99: number };
  if (result.failed > 0) throw new Error(`${url}: ${result.failed} of ${result.sent} paced requests failed`);
  return { rps: result.ok / options.seconds, p50: result.p50, p99: result.p99, errors: 0 };
}

/**
 * The longest event-loop delay the gateway recorded since its metrics were last read, in seconds.
 * prom-client's histogram (it starts afresh at each read) holds the intervals between ticks of a
 * 10 ms timer, so the delay is the longest interval less the shortest.
 */
async function gatewayLoopDelayMax(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return gauge('max') - gauge('min');
}

/** A latency as wrk prints it (`812.00us`, `4.16ms`, `1.02s`), in ms. */
function wrkMs(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** Peak throughput with wrk, a separate C process, so the load generator costs the targets little. */
async function loadPeak(wrk: string, url: string, options: LoadOptions): Promise<Result> {
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const { stdout } = await promisify(execFile)(wrk, ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', ...headerArgs, url]);
  const nonOk = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  if (nonOk > 0 || errors > Math.max(10, (rps * options.seconds) / 1000)) throw new Error(`${url}: ${nonOk} non-2xx and ${errors} errors`);
  return { rps, p50: wrkMs(/ 50%\s+(\S+)/.exec(stdout)?.[1]), p99: wrkMs(/ 99%\s+(\S+)/.exec(stdout)?.[1]), errors };
}

/** A tool from Debian's packages, installed when missing (root only; else undefined). */
function ensureTool(pkg: string, paths: string[]): string | undefined {
  const found = () => paths.find((p) => existsSync(p));
  if (found()) return found();
  for (const steps of [[['install', '-y', pkg]], [['update'], ['install', '-y', pkg]]]) {
    try {
      for (const args of steps) execFileSync('apt-get', args, { stdio: 'ignore' });
      if (found()) return found();
    } catch {
      // try the next way, else give up
    }
  }
  return undefined;
}

function nginxConfig(dir: string, port: number, backend: string): string {
  const file = join(dir, 'nginx.conf');
  writeFileSync(
    file,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server ${backend.replace('http://', '')}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
  );
  return file;
}

function haproxyConfig(dir: string, port: number, backend: string): string {
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(
    file,
    `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend web
  bind 127.0.0.1:${port}
  default_backend catalog
backend catalog
  server catalog1 ${backend.replace('http://', '')}
`,
  );
  return file;
}

function caddyConfig(dir: string, port: number, backend: string): string {
  const file = join(dir, 'Caddyfile');
  writeFileSync(
    file,
    `{
  admin off
  auto_https off
}
http://127.0.0.1:${port} {
  bind 127.0.0.1
  reverse_proxy ${backend.replace('http://', '')}
}
`,
  );
  return file;
}

/** The self time of a V8 CPU profile, by function, as "name (file:line) share%". */
function topFunctions(profileDir: string, count: number): string[] {
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return [];
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    samples: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const frame = byId.get(id);
    if (!frame || frame.functionName === '(idle)') continue;
    busy++;
    const where = frame.url ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(gateway|packages)\//, '$1/')}:${frame.lineNumber + 1}` : 'native';
    const key = `${frame.functionName || '(anonymous)'} (${where})`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = Math.max(1, busy);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, n]) => `${((n / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

const NGINX = 'nginx, 1 worker, keep-alive';
const NODE_PEERS: ReadonlyArray<[string, string]> = [
  ['fast-gateway', 'fast-gateway'],
  ['@fastify/http-proxy', 'fastify-proxy'],
  ['node-http-proxy, keep-alive', 'http-proxy'],
];

/**
 * One backend instance (catalog), and in front of it in turn: nothing, this gateway with every
 * feature on (token verified, limits, breaker, metrics, logs at info, tracing as by default), the
 * same gateway with tracing off, and the peers a user would pick instead: nginx (1 worker,
 * upstream keep-alive), HAProxy (1 thread), Caddy (GOMAXPROCS=1), each installed from Debian's
 * packages when missing, and the Node.js proxies of node-peers.ts. Same request, same client, one
 * run; each target's peak, then its latency and CPU per request at half the gateway's peak.
 */
export async function gatewayBench(root: string, seconds: number, options: { quick?: boolean; tracingRounds?: number } = {}): Promise<string[]> {
  const { quick = false, tracingRounds = 3 } = options;
  const dir = await tempDir('microshop-bench-gw-');
  // Keys as a local start makes them; every process finds its own under the data directory.
  await ensureLocalKeys(dir, ['catalog', 'identity', 'gateway']);
  const started: RunningProcess[] = [];
  const spawnService = async (name: string, port: number, env: Record<string, string>) => {
    // What `npm start` runs: the process's bundle when it is current, else its compiled server.
    const child = startChild(process.execPath, [serverScript(root, join(root, 'services', name)).script], {
      env: { PORT: String(port), HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dir, LOG_LEVEL: 'warn', ...env },
    });
    started.push(child);
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, { timeoutMs: 30_000 });
    pids.set(`http://127.0.0.1:${port}`, child.child.pid ?? 0);
    return `http://127.0.0.1:${port}`;
  };
  const pids = new Map<string, number>();
  try {
    // Peers and the untraced gateway share a catalog with tracing off; the gateway as users run it
    // (tracing on) has its own catalog, whose spans go to that gateway's store like under `npm start`.
    const backend = await spawnService('catalog', await freePort(), { OTEL_SDK_DISABLED: 'true' });
    const tracedGatewayPort = await freePort();
    const tracedBackend = await spawnService('catalog', await freePort(), { MICROSHOP_TRACE_STORE_URL: `http://127.0.0.1:${tracedGatewayPort}` });
    const identity = await spawnService('identity', await freePort(), { IDENTITY_SCRYPT_COST: '1024', MICROSHOP_ADMIN_PASSWORD: 'bench-admin-1' });
    const token = (
      (await (
        await fetch(`${identity}/api/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'bench@example.com', password: 'password-123', name: 'Bench' }),
        })
      ).json()) as { token: string }
    ).token;
    const path = '/api/products/prod-bamboo-cutting-board';
    const headers = { authorization: `Bearer ${token}` };

    /** The gateway with every feature on; `profileDir` adds V8's sampling profiler (which slows it). */
    const startGateway = async (options: { profileDir?: string; tracing?: boolean; port?: number } = {}) => {
      const { profileDir, tracing = true } = options;
      const port = options.port ?? (await freePort());
      const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      const child = startChild(process.execPath, [...flags, serverScript(root, join(root, 'gateway')).script], {
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          MICROSHOP_DATA_DIR: dir,
          MICROSHOP_UPSTREAMS: `catalog=${tracing ? tracedBackend : backend};identity=${identity}`,
          LOG_LEVEL: 'info',
          ...(tracing ? {} : { OTEL_SDK_DISABLED: 'true' }),
          // Limits stay on, high enough that the benchmark's single client is not refused.
          GATEWAY_RATE_LIMIT_IP: '1000000',
          GATEWAY_RATE_LIMIT_USER: '1000000',
        },
      });
      started.push(child);
      await waitForHttp(`http://127.0.0.1:${port}/api/products`, { timeoutMs: 30_000 });
      pids.set(`http://127.0.0.1:${port}`, child.child.pid ?? 0);
      return { child, url: `http://127.0.0.1:${port}` };
    };
    const gateway = await startGateway({ port: tracedGatewayPort });
    const untracedGateway = await startGateway({ tracing: false });

    const targets: Array<[string, string]> = [
      ['direct to the service', backend],
      ['this gateway, all features on', gateway.url],
      ['this gateway, tracing off', untracedGateway.url],
    ];
    /** A peer in its own process, proxying every path to the untraced catalog. */
    const peer = async (name: string, command: string, args: (port: number) => string[], env: Record<string, string> = {}) => {
      const port = await freePort();
      const child = startChild(command, args(port), { env });
      started.push(child);
      await waitForHttp(`http://127.0.0.1:${port}${path}`, { timeoutMs: 15_000 });
      pids.set(`http://127.0.0.1:${port}`, child.child.pid ?? 0);
      targets.push([name, `http://127.0.0.1:${port}`]);
    };
    const missing: string[] = [];
    const nginx = ensureTool('nginx', ['/usr/sbin/nginx', '/usr/bin/nginx']);
    if (nginx) await peer(NGINX, nginx, (port) => ['-c', nginxConfig(dir, port, backend), '-p', dir, '-g', 'daemon off;']);
    else missing.push('nginx');
    // Quick (the regression watch): peaks only, against nginx and fast-gateway.
    const haproxy = quick ? undefined : ensureTool('haproxy', ['/usr/sbin/haproxy']);
    if (haproxy) await peer('HAProxy, 1 thread', haproxy, (port) => ['-db', '-f', haproxyConfig(dir, port, backend)]);
    else if (!quick) missing.push('haproxy');
    const caddy = quick ? undefined : ensureTool('caddy', ['/usr/bin/caddy']);
    // Caddy is Go: GOMAXPROCS=1 keeps it to one core's worth of threads, as the others.
    const caddyEnv = { GOMAXPROCS: '1', XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, HOME: dir };
    if (caddy) await peer('Caddy, GOMAXPROCS=1', caddy, (port) => ['run', '--config', caddyConfig(dir, port, backend), '--adapter', 'caddyfile'], caddyEnv);
    else if (!quick) missing.push('caddy');
    const nodePeers = fileURLToPath(new URL('./node-peers.js', import.meta.url));
    for (const [name, kind] of quick ? NODE_PEERS.slice(0, 1) : NODE_PEERS) {
      await peer(name, process.execPath, (port) => [nodePeers, kind, String(port), backend]);
    }

    const wrk = ensureTool('wrk', ['/usr/bin/wrk']);
    const load = (url: string, options: LoadOptions) => (wrk ? loadPeak(wrk, url, options) : loadInProcess(url, options));
    const peak = new Map<string, Result>();
    const cpuPerRequest = new Map<string, number[]>();
    const atHalf = new Map<string, Result>();
    // The gateway's peak sets the fixed rate every target then gets, so it goes first. Each
    // target's run at that rate follows its own peak run at once: slow phases of a few seconds
    // were seen now and then when load resumed after a pause (gateway and service alike, cause
    // unknown), which is not what this measures.
    const gatewayName = 'this gateway, all features on';
    let half = 0;
    let loopDelayMax = Number.NaN;
    for (const [name, base] of [...targets.filter(([n]) => n === gatewayName), ...targets.filter(([n]) => n !== gatewayName)]) {
      await load(`${base}${path}`, { seconds: 2, connections: 32, headers }); // warm-up
      const result = await load(`${base}${path}`, { seconds, connections: 32, headers });
      peak.set(name, result);
      if (name === gatewayName) half = Math.floor(result.rps / 2);
      if (quick) continue;
      // What each proxy adds to the direct call's latency at the same fixed rate.
      if (name === gatewayName) await gatewayLoopDelayMax(base); // starts its event-loop delay histogram afresh
      // CPU per request at that rate, of the proxy (its process and any it started) and of the catalog behind it.
      const behind = name === gatewayName ? tracedBackend : backend;
      const watched = (name === 'direct to the service' ? [pids.get(base)] : [pids.get(base), pids.get(behind)]).filter((pid): pid is number => pid !== undefined && pid > 0);
      const before = watched.map(cpuMsWithChildren);
      const paced = await loadPaced(`${base}${path}`, { seconds, connections: 16, rate: half, headers });
      atHalf.set(name, paced);
      const spent = watched.map((pid, i) => cpuMsWithChildren(pid) - (before[i] ?? 0));
      // The paced run's 3 s of warm-up are inside the window: count them at the same rate.
      cpuPerRequest.set(name, spent.map((ms) => (ms * 1000) / Math.max(1, paced.rps * seconds + half * 3)));
      if (name === gatewayName) loopDelayMax = await gatewayLoopDelayMax(base);
    }
    const gatewayPeak = peak.get(gatewayName) as Result;
    // Tracing's cost on the peak: single peak runs of two targets minutes apart differ by 10-20 %
    // on this shared machine, so the two gateways are loaded again in turns, each round in the
    // other order, and the ratio quoted is the median of the rounds' own ratios.
    const untracedName = 'this gateway, tracing off';
    const tracingRatios: number[] = [];
    for (let round = 0; round < (quick ? 1 : tracingRounds); round++) {
      const pair = round % 2 === 0 ? [gateway.url, untracedGateway.url] : [untracedGateway.url, gateway.url];
      const rps = new Map<string, number>();
      for (const base of pair) rps.set(base, (await load(`${base}${path}`, { seconds, connections: 32, headers })).rps);
      tracingRatios.push((rps.get(gateway.url) ?? Number.NaN) / (rps.get(untracedGateway.url) ?? Number.NaN));
    }
    // The same comparison with both pairs loaded at the same time by two wrk clients, 16
    // connections each: both see the same noise, so a round's ratio holds though the machine's
    // speed drifts between rounds (sequential runs of two identical gateways differed by up to
    // 10 % here). Each pair (gateway and its catalog) gets its share of the two cores and what
    // it does with it is its throughput; CPU per request of each pair comes from /proc.
    const sideBySide: Array<{ rps: number; cpu: number }> = [];
    const pairPids = (base: string) =>
      [pids.get(base), pids.get(base === gateway.url ? tracedBackend : backend)].filter((pid): pid is number => pid !== undefined && pid > 0);
    for (let round = 0; round < (quick ? 1 : tracingRounds); round++) {
      const pair = [gateway.url, untracedGateway.url];
      const before = pair.map((base) => pairPids(base).map(cpuMsWithChildren));
      const [traced, untraced] = await Promise.all(pair.map((base) => load(`${base}${path}`, { seconds, connections: 16, headers })));
      const cpu = pair.map((base, i) => pairPids(base).reduce((sum, pid, j) => sum + cpuMsWithChildren(pid) - (before[i]?.[j] ?? 0), 0));
      const perRequest = (ms: number | undefined, r: Result | undefined) => ((ms ?? 0) * 1000) / Math.max(1, (r?.rps ?? 0) * seconds);
      sideBySide.push({
        rps: (traced?.rps ?? Number.NaN) / (untraced?.rps ?? Number.NaN),
        cpu: perRequest(cpu[1], untraced) / perRequest(cpu[0], traced),
      });
    }
    await gateway.child.stop();
    await untracedGateway.child.stop();

    // Where the gateway's time goes: a separate run under the profiler, not counted above.
    const profileDir = join(dir, 'profile');
    if (!quick) {
      const profiled = await startGateway({ profileDir, port: tracedGatewayPort });
      await load(`${profiled.url}${path}`, { seconds, connections: 32, headers });
      await profiled.child.stop();
    }

    const lines = [`GET ${path} with a bearer token, 32 connections, ${seconds} s each after a 2 s warm-up (${wrk ? 'wrk, its own process' : 'autocannon in the benchmark process: wrk could not be installed'}):`];
    for (const [name] of targets) {
      const r = peak.get(name) as Result;
      lines.push(`  ${name.padEnd(32)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms${r.errors ? `   (${r.errors} socket errors)` : ''}`);
    }
    const ratio = (a: Result | undefined, b: Result | undefined) => (a && b ? `${(a.rps / b.rps).toFixed(2)}x` : 'n/a');
    const untracedPeak = peak.get(untracedName);
    const peers = targets.map(([name]) => name).filter((name) => name !== 'direct to the service' && !name.startsWith('this gateway'));
    lines.push(`  this gateway (all features on) / each peer: ${peers.map((name) => `${name} ${ratio(gatewayPeak, peak.get(name))}`).join(', ')}`);
    lines.push(`  this gateway, tracing off / each peer: ${peers.map((name) => `${name} ${ratio(untracedPeak, peak.get(name))}`).join(', ')}`);
    lines.push(
      `  tracing on / off (gateway and catalog both), peak req/s: ${median(tracingRatios).toFixed(2)}x, the median of ${tracingRatios.length} round(s)` +
        ` of both in turn (${tracingRatios.map((x) => x.toFixed(2)).join(', ')}); the single runs above: ${ratio(gatewayPeak, untracedPeak)}`,
    );
    lines.push(
      `  tracing on / off, both loaded at the same time (16 connections each): req/s ${median(sideBySide.map((r) => r.rps)).toFixed(2)}x,` +
        ` CPU per request (gateway + catalog, off / on) ${median(sideBySide.map((r) => r.cpu)).toFixed(2)}x, medians of ${sideBySide.length} round(s)` +
        ` (req/s ${sideBySide.map((r) => r.rps.toFixed(2)).join(', ')})`,
    );
    if (missing.length > 0) lines.push(`  (could not be installed, so not measured: ${missing.join(', ')})`);
    if (quick) return lines;
    lines.push(`  at half the gateway's peak, ${half} req/s (a paced open-loop client, 16 connections, ${seconds} s after 3 s of warm-up):`);
    const direct = atHalf.get('direct to the service') as Result;
    for (const [name] of targets) {
      const r = atHalf.get(name) as Result;
      const added = name === 'direct to the service' ? '' : `   added p50 ${(r.p50 - direct.p50).toFixed(2)} ms, p99 ${(r.p99 - direct.p99).toFixed(2)} ms`;
      lines.push(`  ${name.padEnd(32)} p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms${added}`);
    }
    lines.push('  CPU time per request at that rate (from /proc; µs): proxy / catalog behind it');
    for (const [name] of targets) {
      const [proxy, service] = cpuPerRequest.get(name) ?? [];
      if (name === 'direct to the service') lines.push(`  ${name.padEnd(32)} catalog ${proxy?.toFixed(0) ?? '?'}`);
      else lines.push(`  ${name.padEnd(32)} ${proxy?.toFixed(0) ?? '?'} / ${service?.toFixed(0) ?? '?'}`);
    }
    lines.push(
      `  the gateway's longest event-loop delay during its run at that rate: ${(loopDelayMax * 1000).toFixed(1)} ms` +
        ' (a p99 far above it is time lost outside the gateway\'s JavaScript: the kernel, the other processes on these cores)',
    );
    lines.push("  the gateway's CPU profile (a separate run of the same load under --cpu-prof), top self time (share of busy samples):");
    for (const line of topFunctions(profileDir, 8)) lines.push(`    ${line}`);
    return lines;
  } finally {
    for (const child of started.reverse()) await child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
