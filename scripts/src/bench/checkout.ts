import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createPostgresDatabase, freePort, NATS_URL, natsUnreachable, postgresUnreachable, startChild, tempDir } from '@microshop/testing';
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
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Json };
}

/** 16 shoppers check out in a loop for `seconds`; each order is watched (25 ms polls) until CONFIRMED. */
async function run(root: string, production: boolean, shoppers: number, seconds: number, tracing: Record<string, string>) {
  const port = await freePort();
  const dataDir = await tempDir('microshop-bench-shop-');
  const drops: Array<() => Promise<void>> = [];
  const env: Record<string, string> = {
    PORT: String(port),
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
    env.MICROSHOP_BUS_NAMESPACE = `benchshop${process.pid}`;
  }
  const runner = startChild(process.execPath, [join(root, 'scripts', 'dist', 'src', 'start.js')], { env });
  try {
    await runner.waitForOutput(/Microshop is ready in \d+ ms/, 60_000);
    const base = `http://127.0.0.1:${port}`;
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

    // CPU time of every process of the shop over the window, per confirmed order: on two busy
    // cores the shop's throughput is the CPU it can get divided by this, and unlike throughput it
    // is not moved by what else the machine runs.
    const pids = [...runner.output().matchAll(/ started \(pid (\d+)/g)].map((m) => Number(m[1]));
    const cpuBefore = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
    const latencies: number[] = [];
    let failed = 0;
    /** Why orders failed, by what was seen (`POST 503`, `CANCELLED OUT_OF_STOCK`), with the first answer's detail. */
    const reasons = new Map<string, { count: number; detail: string }>();
    const fail = (why: string, detail: unknown) => {
      failed++;
      const seen = reasons.get(why) ?? { count: 0, detail: String((detail as Json | null)?.detail ?? '').slice(0, 160) };
      seen.count++;
      reasons.set(why, seen);
    };
    const began = performance.now();
    const deadline = began + seconds * 1000;
    await Promise.all(
      tokens.map(async (token, s) => {
        for (let n = 0; performance.now() < deadline; n++) {
          await call(base, 'PUT', `/api/cart/items/${products[(s + n) % products.length]}`, token, { quantity: 1 });
          const started = performance.now();
          const placed = await call(base, 'POST', '/api/orders', token, { shippingAddress: ADDRESS, payment: { cardNumber: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' } }, {
            'idempotency-key': `bench-${s}-${n}`,
          });
          if (placed.status !== 202) {
            fail(`POST ${placed.status}`, placed.body);
            continue;
          }
          for (;;) {
            const order = (await call(base, 'GET', `/api/orders/${placed.body.id}`, token)).body;
            if (order.status !== 'PENDING') {
              if (order.status === 'CANCELLED') fail(`CANCELLED ${order.cancellationReason}`, null);
              else latencies.push(performance.now() - started);
              break;
            }
            await new Promise((r) => setTimeout(r, 25));
          }
        }
      }),
    );
    const elapsed = (performance.now() - began) / 1000;
    const cpuSpent = pids.reduce((sum, pid) => sum + cpuMs(pid), 0) - cpuBefore;
    return {
      cpuMsPerOrder: cpuSpent / Math.max(1, latencies.length),
      confirmedPerSecond: latencies.length / elapsed,
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
export async function checkoutBench(root: string, seconds: number, rounds: number): Promise<string[]> {
  const lines = [
    `16 concurrent shoppers, each: put an item in the cart, POST /api/orders, poll the order every 25 ms until CONFIRMED; ${seconds} s per run,` +
      ` ${rounds} round(s) of every mode in a rotating order; medians:`,
  ];
  const setups: Array<[string, boolean]> = [['embedded bus + SQLite', false]];
  const down = (await postgresUnreachable()) ?? (await natsUnreachable());
  if (!down) setups.push(['NATS JetStream + PostgreSQL', true]);
  for (const [name, production] of setups) {
    // As a user runs it (tracing on, the default sampler), with OTEL_SDK_DISABLED=true, and two
    // standard samplers that show where the cost is: nothing sampled, every trace kept.
    type Result = Awaited<ReturnType<typeof run>>;
    const results: Result[][] = TRACING_MODES.map(() => []);
    const runsOf = (index: number): Result[] => results[index] ?? [];
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < TRACING_MODES.length; k++) {
        const index = (k + round) % TRACING_MODES.length;
        runsOf(index).push(await run(root, production, 16, seconds, TRACING_MODES[index]?.[1] ?? {}));
      }
    }
    TRACING_MODES.forEach(([mode], index) => {
      const runs = runsOf(index);
      const each = runs.map((r) => r.confirmedPerSecond.toFixed(1)).join(', ');
      lines.push(
        `  ${name.padEnd(28)} ${mode.padEnd(38)} ${median(runs.map((r) => r.confirmedPerSecond)).toFixed(1)} orders confirmed/s (${each});` +
          ` ${runs.reduce((sum, r) => sum + r.failed, 0)} not confirmed${failures(runs)}; POST -> CONFIRMED p50 ${median(runs.map((r) => r.p50)).toFixed(0)} ms,` +
          ` p99 ${median(runs.map((r) => r.p99)).toFixed(0)} ms; CPU ${median(runs.map((r) => r.cpuMsPerOrder)).toFixed(1)} ms per confirmed order`,
      );
    });
    const ratio = (index: number) => {
      const each = runsOf(index).map((r, round) => r.confirmedPerSecond / (runsOf(1)[round]?.confirmedPerSecond ?? Number.NaN));
      return `${median(each).toFixed(2)}x (${each.map((x) => x.toFixed(2)).join(', ')})`;
    };
    lines.push(`  ${name.padEnd(28)} tracing on / off: ${ratio(0)} orders confirmed/s; nothing sampled / off ${ratio(2)}; every trace kept / off ${ratio(3)}`);
    // The same as throughput ratios (off's CPU per order over the mode's): above 1 costs nothing.
    const cpuRatio = (index: number) => {
      const each = runsOf(index).map((r, round) => (runsOf(1)[round]?.cpuMsPerOrder ?? Number.NaN) / r.cpuMsPerOrder);
      return `${median(each).toFixed(2)}x (${each.map((x) => x.toFixed(2)).join(', ')})`;
    };
    lines.push(`  ${name.padEnd(28)} the same from CPU per order (off / on): ${cpuRatio(0)}; nothing sampled ${cpuRatio(2)}; every trace kept ${cpuRatio(3)}`);
  }
  if (down) lines.push(`  (PostgreSQL + NATS skipped: ${down})`);
  return lines;
}
