import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkoutBench } from './checkout.js';
import { diskBench } from './disk.js';
import { gatewayBench } from './gateway.js';
import { messagingBench } from './messaging.js';
import { startupBench } from './startup.js';
import { tracingBench } from './tracing.js';

/**
 * `npm run bench [-- suite ...]`: prints figures; asserts nothing. Suites: startup, messaging, checkout, gateway,
 * tracing, disk, and quick (not part of the default run): the regression watch, under 2 minutes, one start-up, the
 * gateway's peak against nginx and fast-gateway (4 s each), one embedded checkout with tracing on and off (10 s each).
 * BENCH_RUNS sets start-up repetitions (default 5); BENCH_EVENTS (10000) sizes the messaging runs,
 * whose latency is measured at BENCH_EVENT_RATE (2000/s) or half the measured peak if lower;
 * BENCH_CHECKOUT_SECONDS (15) is how long each checkout run lasts and BENCH_CHECKOUT_ROUNDS (3) how
 * many runs of each tracing mode there are, per setup (BENCH_CHECKOUT_NULL=1: the side-by-side rounds compare two
 * shops with tracing off, a null check of that comparison; BENCH_CHECKOUT_SIDE_ONLY=1: only the side-by-side rounds;
 * BENCH_CHECKOUT_STACKS=embedded or nats: one stack only; BENCH_CHECKOUT_SAMPLER: the traced side-by-side shop's
 * OTEL_TRACES_SAMPLER instead of the default sampler; BENCH_CHECKOUT_PACE: orders/s each side-by-side shop is paced at,
 * instead of as many as its shoppers can place: CPU per order at equal load; BENCH_CHECKOUT_WARMUP (10, quick 3): seconds
 * of the same load before each run's window, uncounted); BENCH_GATEWAY_SECONDS (10) how long each
 * proxy is loaded and BENCH_GATEWAY_ROUNDS (3) how many more turns the gateway gets with tracing on
 * and off; BENCH_TRACING_SECONDS (8), _RATE (1200/s) and _ROUNDS (2) size the tracing breakdown;
 * BENCH_DISK_SECONDS (30) how long shoppers buy for the disk figures. Quote figures measured in one run.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const suites: Record<string, (runs: number) => Promise<string[]>> = {
  startup: (runs) => startupBench(root, runs),
  gateway: () => {
    const tracingRounds = Number(process.env.BENCH_GATEWAY_ROUNDS ?? 3);
    return gatewayBench(root, Number(process.env.BENCH_GATEWAY_SECONDS ?? 10), { tracingRounds });
  },
  checkout: () =>
    checkoutBench(root, Number(process.env.BENCH_CHECKOUT_SECONDS ?? 15), Number(process.env.BENCH_CHECKOUT_ROUNDS ?? 3), {
      nullCheck: process.env.BENCH_CHECKOUT_NULL === '1',
      sideBySideOnly: process.env.BENCH_CHECKOUT_SIDE_ONLY === '1',
      stacks: process.env.BENCH_CHECKOUT_STACKS,
      sampler: process.env.BENCH_CHECKOUT_SAMPLER,
      ...(process.env.BENCH_CHECKOUT_PACE ? { pace: Number(process.env.BENCH_CHECKOUT_PACE) } : {}),
      ...(process.env.BENCH_CHECKOUT_WARMUP ? { warmup: Number(process.env.BENCH_CHECKOUT_WARMUP) } : {}),
    }),
  messaging: () => messagingBench(Number(process.env.BENCH_EVENTS ?? 10_000), Number(process.env.BENCH_EVENT_RATE ?? 2_000)),
  disk: () => diskBench(root, Number(process.env.BENCH_DISK_SECONDS ?? 30)),
  tracing: () => {
    const env = process.env;
    return tracingBench(root, Number(env.BENCH_TRACING_SECONDS ?? 8), Number(env.BENCH_TRACING_RATE ?? 1_200), Number(env.BENCH_TRACING_ROUNDS ?? 2));
  },
  quick: async () => [
    ...(await startupBench(root, 1)),
    ...(await gatewayBench(root, 4, { quick: true })),
    ...(await checkoutBench(root, 10, 1, { quick: true })),
    'quick figures are single short runs: a change worth a look, not a figure to quote (the README quotes full runs)',
  ],
};
/** The suites a bare `npm run bench` runs. */
const FULL = Object.keys(suites).filter((name) => name !== 'quick');

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in suites));
if (unknown.length > 0) {
  process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}\n`);
  process.exit(2);
}
const runs = Number(process.env.BENCH_RUNS ?? 5);
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  process.stderr.write('BENCH_RUNS must be an integer from 1 to 100\n');
  process.exit(2);
}

process.stdout.write(
  `Microshop benchmarks: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB\n\n`,
);
for (const name of wanted.length > 0 ? wanted : FULL) {
  process.stdout.write(`== ${name}\n`);
  const lines = await suites[name]?.(runs);
  process.stdout.write(`${(lines ?? []).join('\n')}\n\n`);
}
