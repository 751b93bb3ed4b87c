import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createPostgresDatabase, NATS_URL, natsUnreachable, postgresUnreachable, startChild, tempDir, waitForShop } from '@microshop/testing';
import { cpuMs } from './process-memory.js';
import { median, percentile } from './stats.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ADDRESS = { name: 'Bench', line1: '1 Main St', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' };
const SERVICES = ['identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'];

async function call(base: string, method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Json, traceId: response.headers.get('x-trace-id') ?? '' };
}

interface SpanView {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  startTime: string;
  durationMs: number;
  attributes: Record<string, unknown>;
}

/**
 * Per saga hop (`<event type> → <consumer group>`): ms from `create` to `send`, `send` to `process`,
 * `create` to `process`, and the `process` span's own length.
 */
export type Hops = Map<string, { relay: number[]; delivery: number[]; total: number[]; handling: number[] }>;

/**
 * Where each event of the recorded checkouts waited, read back from the built-in trace store:
 * an event's `create` span is made as it is written (inside the transaction), its `send` span when
 * the relay hands it to the broker (after the commit), and each consumer's `process` span when its
 * handler starts, inside the consumer's transaction. Span times in the store are whole ms.
 */
async function readHops(base: string, admin: string, traceIds: Iterable<string>, into: Hops): Promise<void> {
  for (const traceId of traceIds) {
    const view = await call(base, 'GET', `/api/admin/traces/${traceId}`, admin);
    if (view.status !== 200) continue;
    const spans = view.body.spans as SpanView[];
    const at = (span: SpanView) => Date.parse(span.startTime);
    for (const create of spans.filter((span) => span.kind === 'producer' && span.name.startsWith('create '))) {
      const type = create.name.slice('create '.length);
      const children = spans.filter((span) => span.parentSpanId === create.spanId);
      const send = children.find((span) => span.kind === 'producer');
      for (const handling of children.filter((span) => span.kind === 'consumer')) {
        const hop = `${type} → ${String(handling.attributes['messaging.consumer.group.name'] ?? '?')}`;
        const figures = into.get(hop) ?? { relay: [], delivery: [], total: [], handling: [] };
        into.set(hop, figures);
        figures.total.push(at(handling) - at(create));
        figures.handling.push(handling.durationMs);
        if (send) {
          figures.relay.push(at(send) - at(create));
          figures.delivery.push(at(handling) - at(send));
        }
      }
    }
  }
}

/**
 * `shoppers` check out in a loop for `seconds`; each order is watched (25 ms polls) until CONFIRMED.
 * `beforeLoad` is awaited once the shop is set up, just before the load starts (two shops run side
 * by side start their load together); `namespace` keeps such a shop's NATS streams apart.
 */
async function run(
  root: string,
  production: boolean,
  shoppers: number,
  seconds: number,
  tracing: Record<string, string>,
  options: { beforeLoad?: () => Promise<void>; namespace?: string; ordersPerSecond?: number; warmupSeconds?: number } = {},
) {
  const dataDir = await tempDir('microshop-bench-shop-');
  const drops: Array<() => Promise<void>> = [];
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    MICROSHOP_DATA_DIR: dataDir,
    MICROSHOP_ADMIN_PASSWORD: 'bench-admin-1',
    MICROSHOP_RATE_LIMIT: 'off',
    LOG_LEVEL: 'warn',
    MICROSHOP_LOG_FORMAT: 'json',
    ...tracing,
  };
  if (production) {
    for (const service of SERVICES) {
      const database = await createPostgresDatabase(`bench_${service}`);
      drops.push(database.drop);
      env[`${service.toUpperCase()}_DATABASE_URL`] = database.url;
    }
    env.MICROSHOP_BUS = NATS_URL;
    env.MICROSHOP_BUS_NAMESPACE = `benchshop${process.pid}${options.namespace ?? ''}`;
  }
  const runner = startChild(process.execPath, [join(root, 'scripts', 'dist', 'src', 'start.js')], { env });
  try {
    const base = await waitForShop(runner, 60_000);
    const admin = (await call(base, 'POST', '/api/auth/login', undefined, { email: 'admin@microshop.local', password: 'bench-admin-1' })).body.token;
    const products = ((await call(base, 'GET', '/api/products?limit=8')).body.items as Json[]).map((p) => p.id as string);
    for (const id of products) await call(base, 'PUT', `/api/inventory/${id}`, admin, { available: 1_000_000 });
    const tokens = await Promise.all(
      Array.from({ length: shoppers }, async (_, i) => (await call(base, 'POST', '/api/auth/register', undefined, { email: `bench${i}@example.com`, password: 'password-123', name: `Bench ${i}` })).body.token as string),
    );
    // The cart learns prices from catalog events; wait until it knows them all.
    for (const id of products) {
      while ((await call(base, 'PUT', `/api/cart/items/${id}`, tokens[0], { quantity: 1 })).status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    await call(base, 'DELETE', '/api/cart', tokens[0]);
    const order = { shippingAddress: ADDRESS, payment: { cardNumber: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' } };
    /** Places an order (the cart holds one item) and waits until it is no longer PENDING. */
    const checkOut = async (token: string | undefined, key: string, started: number) => {
      const placed = await call(base, 'POST', '/api/orders', token, order, { 'idempotency-key': key });
      if (placed.status !== 202) return { placed, status: `POST ${placed.status}`, ms: 0 };
      for (;;) {
        const seen = (await call(base, 'GET', `/api/orders/${placed.body.id}`, token)).body;
        if (seen.status !== 'PENDING') return { placed, status: seen.status === 'CANCELLED' ? `CANCELLED ${seen.cancellationReason}` : seen.status, ms: performance.now() - started };
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    // Three checkouts one at a time on the idle shop first, recorded by the default sampler (its
    // burst keeps each operation's first traces): what each hop waits with nothing else running.
    const idleTraces: string[] = [];
    const idleOrders: string[] = [];
    for (let n = 0; n < 3; n++) {
      await call(base, 'PUT', `/api/cart/items/${products[n % products.length]}`, tokens[0], { quantity: 1 });
      const { placed } = await checkOut(tokens[0], `bench-idle-${n}`, performance.now());
      idleTraces.push(placed.traceId);
      if (placed.body?.id) idleOrders.push(placed.body.id as string);
    }
    // Their drones leave 2 s after confirmation: wait until they have (SHIPPED), so that the
    // departed hop is measured on the idle shop too, not in the load that follows (up to 10 s).
    const shippedBy = performance.now() + 10_000;
    for (const id of idleOrders) {
      while (performance.now() < shippedBy) {
        const status = (await call(base, 'GET', `/api/orders/${id}`, tokens[0])).body.status;
        if (status === 'SHIPPED' || status === 'DELIVERED' || status === 'CANCELLED') break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    // CPU time of every process of the shop over the window, per confirmed order: on two busy
    // cores the shop's throughput is the CPU it can get divided by this, and unlike throughput it
    // is not moved by what else the machine runs. The window opens after `warmupSeconds` of the
    // same load: what is measured is the shop running hot, with the sampler's burst (each
    // operation's first traces) spent, as in any shop that has been up for more than a few seconds.
    await options.beforeLoad?.();
    const started = [...runner.output().matchAll(/(\S+) started \(pid (\d+)/g)].map((m) => ({ name: (m[1] ?? '?').replace(/-\d+$/, ''), pid: Number(m[2]) }));
    const pids = started.map((s) => s.pid);
    let cpuEachBefore: number[] = [];
    let cpuBefore = 0;
    const latencies: number[] = [];
    const loadedTraces = new Set<string>();
    let failed = 0;
    /** Why orders failed, by what was seen (`POST 503`, `CANCELLED OUT_OF_STOCK`), with the first answer's detail. */
    const reasons = new Map<string, { count: number; detail: string }>();
    const fail = (why: string, detail: unknown) => {
      failed++;
      const seen = reasons.get(why) ?? { count: 0, detail: String((detail as Json | null)?.detail ?? '').slice(0, 160) };
      seen.count++;
      reasons.set(why, seen);
    };
    const loadBegan = performance.now();
    let began = loadBegan + (options.warmupSeconds ?? 0) * 1000;
    const deadline = began + seconds * 1000;
    let measuring = false;
    const open = () => {
      began = performance.now();
      cpuEachBefore = started.map((s) => cpuMs(s.pid));
      cpuBefore = cpuEachBefore.reduce((sum, ms) => sum + ms, 0);
      measuring = true;
    };
    const opening = setTimeout(open, Math.max(0, began - performance.now()));
    await Promise.all(
      tokens.map(async (token, s) => {
        for (let n = 0; performance.now() < deadline; n++) {
          if (options.ordersPerSecond) {
            // Paced: the shop's k-th order starts k / rate seconds in, whatever the shop does.
            const at = loadBegan + ((n * tokens.length + s) * 1000) / options.ordersPerSecond;
            if (at >= deadline) break;
            await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
          }
          await call(base, 'PUT', `/api/cart/items/${products[(s + n) % products.length]}`, token, { quantity: 1 });
          const outcome = await checkOut(token, `bench-${s}-${n}`, performance.now());
          // Counted when it ends inside the window. One in flight when the window opened did part
          // of its work before (at most one per shopper, about 1 % of a run's orders); those in
          // flight at the deadline are finished and counted, their CPU and all.
          if (!measuring) continue;
          if (outcome.placed.status === 202) loadedTraces.add(outcome.placed.traceId);
          if (outcome.status.startsWith('POST ')) fail(outcome.status, outcome.placed.body);
          else if (outcome.status.startsWith('CANCELLED')) fail(outcome.status, null);
          else latencies.push(outcome.ms);
        }
      }),
    );
    clearTimeout(opening);
    if (!measuring) open();
    const elapsed = (performance.now() - began) / 1000;
    const cpuSpent = pids.reduce((sum, pid) => sum + cpuMs(pid), 0) - cpuBefore;
    // CPU per confirmed order of each process (by service), to tell where a difference lies.
    const cpuByProcess: Record<string, number> = {};
    started.forEach((s, i) => {
      cpuByProcess[s.name] = (cpuByProcess[s.name] ?? 0) + (cpuMs(s.pid) - (cpuEachBefore[i] ?? 0)) / Math.max(1, latencies.length);
    });
    const hops = { idle: new Map() as Hops, loaded: new Map() as Hops };
    if (tracing.OTEL_SDK_DISABLED !== 'true') {
      await new Promise((r) => setTimeout(r, 1_500)); // the services send their spans every 500 ms
      await readHops(base, admin, idleTraces, hops.idle);
      const recorded = ((await call(base, 'GET', '/api/admin/traces?service=shipping&limit=200', admin)).body.items as Json[]) ?? [];
      await readHops(base, admin, recorded.map((t) => t.traceId as string).filter((id) => loadedTraces.has(id)), hops.loaded);
    }
    return {
      cpuMsPerOrder: cpuSpent / Math.max(1, latencies.length),
      cpuByProcess,
      confirmedPerSecond: latencies.length / elapsed,
      hops,
      confirmed: latencies.length,
      failed,
      reasons: [...reasons].map(([why, { count, detail }]) => `${why} x${count}${detail ? ` (${detail})` : ''}`).join('; '),
      p50: median(latencies),
      p99: percentile(latencies, 99),
    };
  } finally {
    await runner.stop();
    await rm(dataDir, { recursive: true, force: true });
    for (const drop of drops) await drop();
  }
}

/** A function that resolves for every caller once `parties` callers have called it. */
function meeting(parties: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived >= parties) open();
    return opened;
  };
}

const TRACING_MODES: ReadonlyArray<[string, Record<string, string>]> = [
  ['tracing on (default sampling)', {}],
  ['tracing off', { OTEL_SDK_DISABLED: 'true' }],
  ['tracing on, nothing sampled (always_off)', { OTEL_TRACES_SAMPLER: 'always_off' }],
  ['tracing on, every trace kept', { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }],
];

function failures(runs: ReadonlyArray<{ reasons: string }>): string {
  const said = runs.map((r) => r.reasons).filter(Boolean);
  return said.length > 0 ? ` [${said.join(' | ')}]` : '';
}

/**
 * Every tracing mode in turn, `rounds` times, each round in a new order (the machine's other load
 * drifts over minutes): the figures are each mode's median, and each ratio the median of the
 * rounds' own ratios, the two runs of a ratio being at most a few minutes apart.
 */
export async function checkoutBench(
  root: string,
  seconds: number,
  rounds: number,
  options: { quick?: boolean; nullCheck?: boolean; sideBySideOnly?: boolean; stacks?: string; sampler?: string; pace?: number; warmup?: number } = {},
): Promise<string[]> {
  const warmup = options.warmup ?? (options.quick ? 3 : 10);
  const lines = [
    `16 concurrent shoppers, each: put an item in the cart, POST /api/orders, poll the order every 25 ms until CONFIRMED; ${seconds} s per run` +
      ` after ${warmup} s of the same load,` +
      ` ${rounds} round(s) of every mode in a rotating order; medians:`,
  ];
  const wanted = (stack: string) => !options.stacks || options.stacks.split(',').includes(stack);
  const setups: Array<[string, boolean]> = wanted('embedded') ? [['embedded bus + SQLite', false]] : [];
  // Quick (the regression watch): the embedded stack, tracing on and off only.
  const modes = options.quick ? TRACING_MODES.slice(0, 2) : TRACING_MODES;
  const down = options.quick ? undefined : ((await postgresUnreachable()) ?? (await natsUnreachable()));
  if (!down && !options.quick && wanted('nats')) setups.push(['NATS JetStream + PostgreSQL', true]);
  for (const [name, production] of setups) {
    // As a user runs it (tracing on, the default sampler), with OTEL_SDK_DISABLED=true, and two
    // standard samplers that show where the cost is: nothing sampled, every trace kept.
    type Result = Awaited<ReturnType<typeof run>>;
    const results: Result[][] = modes.map(() => []);
    const runsOf = (index: number): Result[] => results[index] ?? [];
    for (let round = 0; round < (options.sideBySideOnly ? 0 : rounds); round++) {
      for (let k = 0; k < modes.length; k++) {
        const index = (k + round) % modes.length;
        runsOf(index).push(await run(root, production, 16, seconds, modes[index]?.[1] ?? {}, { warmupSeconds: warmup }));
      }
    }
    if (!options.sideBySideOnly) {
      modes.forEach(([mode], index) => {
        const runs = runsOf(index);
        const each = runs.map((r) => r.confirmedPerSecond.toFixed(1)).join(', ');
        lines.push(
          `  ${name.padEnd(28)} ${mode.padEnd(38)} ${median(runs.map((r) => r.confirmedPerSecond)).toFixed(1)} orders confirmed/s (${each});` +
            ` ${runs.reduce((sum, r) => sum + r.failed, 0)} not confirmed${failures(runs)}; POST -> CONFIRMED p50 ${median(runs.map((r) => r.p50)).toFixed(0)} ms,` +
            ` p99 ${median(runs.map((r) => r.p99)).toFixed(0)} ms; CPU ${median(runs.map((r) => r.cpuMsPerOrder)).toFixed(1)} ms per confirmed order`,
        );
      });
      // Where a checkout's events wait, from the traces the default sampler kept (mode 0).
      for (const [when, label] of [['idle', '3 checkouts one at a time before each run'], ['loaded', 'the recorded checkouts among the 16 shoppers']] as const) {
        const merged: Hops = new Map();
        for (const r of runsOf(0)) {
          for (const [hop, figures] of r.hops[when]) {
            const into = merged.get(hop) ?? { relay: [], delivery: [], total: [], handling: [] };
            merged.set(hop, into);
            into.relay.push(...figures.relay);
            into.delivery.push(...figures.delivery);
            into.total.push(...figures.total);
            into.handling.push(...figures.handling);
          }
        }
        if (merged.size === 0) continue;
        lines.push(`  ${name}, each saga hop, ${label} (median ms: written → sent by the relay → handler started = total; then the handling's own span):`);
        for (const [hop, f] of [...merged].sort((a, b) => median(a[1].total) - median(b[1].total))) {
          const ms = (values: number[]) => (values.length > 0 ? median(values).toFixed(0) : '?');
          lines.push(`    ${hop.padEnd(52)} ${ms(f.relay).padStart(4)} + ${ms(f.delivery).padStart(4)} = ${ms(f.total).padStart(4)}; handling ${ms(f.handling).padStart(4)}   n=${f.total.length}`);
        }
      }
      const ratio = (index: number) => {
        const each = runsOf(index).map((r, round) => r.confirmedPerSecond / (runsOf(1)[round]?.confirmedPerSecond ?? Number.NaN));
        return `${median(each).toFixed(2)}x (${each.map((x) => x.toFixed(2)).join(', ')})`;
      };
      const others = modes.length > 2 ? `; nothing sampled / off ${ratio(2)}; every trace kept / off ${ratio(3)}` : '';
      lines.push(`  ${name.padEnd(28)} tracing on / off: ${ratio(0)} orders confirmed/s${others}`);
      // The same as throughput ratios (off's CPU per order over the mode's): above 1 costs nothing.
      const cpuRatio = (index: number) => {
        const each = runsOf(index).map((r, round) => (runsOf(1)[round]?.cpuMsPerOrder ?? Number.NaN) / r.cpuMsPerOrder);
        return `${median(each).toFixed(2)}x (${each.map((x) => x.toFixed(2)).join(', ')})`;
      };
      const otherCpu = modes.length > 2 ? `; nothing sampled ${cpuRatio(2)}; every trace kept ${cpuRatio(3)}` : '';
      lines.push(`  ${name.padEnd(28)} the same from CPU per order (off / on): ${cpuRatio(0)}${otherCpu}`);
    }
    if (options.quick) continue;
    // Tracing on and off once more, two shops side by side, 8 shoppers each, their loads started
    // together: both see the same machine, which runs minutes apart do not (rounds of the same
    // ratio above differ by up to a third on this shared machine). The two take turns at being
    // started first. With `nullCheck` both shops run tracing off: how far apart two identical
    // shops come out is the floor under the real comparison.
    const side: Array<{ rps: number; cpu: number }> = [];
    /** Per process, its CPU per order in the traced shop and in the other, each round. */
    const perProcess = new Map<string, Array<[on: number, off: number]>>();
    const offMode = modes[1]?.[1] ?? {};
    const onMode = options.nullCheck ? offMode : options.sampler ? { OTEL_TRACES_SAMPLER: options.sampler } : (modes[0]?.[1] ?? {});
    for (let round = 0; round < rounds; round++) {
      const together = meeting(2);
      const order = round % 2 === 0 ? [onMode, offMode] : [offMode, onMode];
      const results = await Promise.all(
        order.map((mode, index) =>
          run(root, production, 8, seconds, mode, {
            beforeLoad: together,
            namespace: `side${index}`,
            warmupSeconds: warmup,
            ...(options.pace ? { ordersPerSecond: options.pace } : {}),
          }),
        ),
      );
      const [on, off] = round % 2 === 0 ? results : [...results].reverse();
      if (on && off) {
        side.push({ rps: on.confirmedPerSecond / off.confirmedPerSecond, cpu: off.cpuMsPerOrder / on.cpuMsPerOrder });
        for (const [process, ms] of Object.entries(on.cpuByProcess)) {
          const pairs = perProcess.get(process) ?? [];
          pairs.push([ms, off.cpuByProcess[process] ?? Number.NaN]);
          perProcess.set(process, pairs);
        }
      }
    }
    const compared =
      (options.nullCheck ? 'tracing off / off (the null check)' : 'tracing on / off') + (options.pace ? `, each shop paced at ${options.pace} orders/s` : '');
    lines.push(
      `  ${name.padEnd(28)} ${compared}, two shops at the same time (8 shoppers each): ${median(side.map((r) => r.rps)).toFixed(2)}x orders confirmed/s` +
        ` (${side.map((r) => r.rps.toFixed(2)).join(', ')}); CPU per order (off / on) ${median(side.map((r) => r.cpu)).toFixed(2)}x` +
        ` (${side.map((r) => r.cpu.toFixed(2)).join(', ')})`,
    );
    const split = [...perProcess].map(([process, pairs]) => {
      const on = median(pairs.map(([ms]) => ms));
      const off = median(pairs.map(([, ms]) => ms));
      return `${process} ${on.toFixed(2)}/${off.toFixed(2)}`;
    });
    lines.push(`  ${name.padEnd(28)} the same, CPU ms per order of each process (${options.nullCheck ? 'first / second' : 'on / off'}, medians): ${split.join(', ')}`);
  }
  if (down) lines.push(`  (PostgreSQL + NATS skipped: ${down})`);
  return lines;
}
