import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import logUpdate from 'log-update';
import { type LoadOptions, parseOptions, type Slo, USAGE, UsageError } from './options.js';
import { Recorder } from './recorder.js';
import { htmlReport, type RunSummary, textSummary, type Verdict } from './report.js';
import { readCatalog, Shop, shopperVisit } from './shopper.js';

/**
 * The shopper load generator (SPEC §5c): virtual shoppers arrive at an open-loop rate (they keep
 * arriving at the rate asked, however slow the shop gets, up to --max-shoppers at once), each
 * browsing, searching, opening products, registering, filling a cart, checking out and waiting
 * for the order to settle. A live view while it runs; a summary and an HTML report at the end;
 * exit 1 when an --slo is missed, 2 on bad arguments or a shop that cannot be reached.
 */

/** New shoppers a second at `elapsedMs`: a straight line from --rate's first number to its second. */
export function rateAt(options: Pick<LoadOptions, 'rateFrom' | 'rateTo' | 'durationMs'>, elapsedMs: number): number {
  const f = Math.min(1, Math.max(0, elapsedMs / options.durationMs));
  return options.rateFrom + (options.rateTo - options.rateFrom) * f;
}

/**
 * When (ms from the start) the `k`-th shopper (from 0) arrives: the time by which the rate, a
 * straight line, has brought k shoppers (the integral of the rate reaches k), so a ramp that starts
 * at 0 still fills in as it rises. Infinity when the run never brings that many.
 */
export function arrivalAt(options: Pick<LoadOptions, 'rateFrom' | 'rateTo' | 'durationMs'>, k: number): number {
  const seconds = options.durationMs / 1000;
  const a = options.rateFrom;
  const c = (options.rateTo - options.rateFrom) / (2 * seconds);
  // a·t + c·t² = k
  let t: number;
  if (Math.abs(c) < 1e-12) t = a > 0 ? k / a : Infinity;
  else {
    const discriminant = a * a + 4 * c * k;
    t = discriminant < 0 ? Infinity : (-a + Math.sqrt(discriminant)) / (2 * c);
  }
  return t >= 0 && t <= seconds ? t * 1000 : Infinity;
}

function judge(slo: Slo, summary: Omit<RunSummary, 'verdicts'>): Verdict {
  let actual: number;
  if (slo.metric === 'errors') actual = summary.overall.count > 0 ? summary.overall.errors / summary.overall.count : 0;
  else if (slo.metric === 'confirmed') actual = summary.placed > 0 ? summary.confirmed / summary.placed : 0;
  else {
    const figures = slo.step ? summary.steps.find((s) => s.step === slo.step) : summary.overall;
    actual = figures?.[slo.metric] ?? 0;
  }
  const met = { '<': actual < slo.value, '<=': actual <= slo.value, '>': actual > slo.value, '>=': actual >= slo.value }[slo.op];
  return { text: slo.text, actual, met };
}

function liveLines(options: LoadOptions, recorder: Recorder, elapsedMs: number): string {
  const last = recorder.timeline.at(-1);
  const done = Math.min(1, elapsedMs / options.durationMs);
  const bar = `${'#'.repeat(Math.round(done * 30)).padEnd(30, '.')}`;
  const steps = recorder
    .steps()
    .filter((s) => s.count > 0)
    .map((s) => `  ${s.step.padEnd(10)} ${String(s.count).padStart(7)} req ${String(s.errors).padStart(5)} err   p50 ${s.p50.toFixed(0).padStart(6)} ms   p99 ${s.p99.toFixed(0).padStart(6)} ms`);
  return [
    `[${bar}] ${Math.round(elapsedMs / 1000)}/${Math.round(options.durationMs / 1000)} s   ${rateAt(options, elapsedMs).toFixed(1)} shoppers/s   active ${recorder.active}`,
    `last second: ${last?.requests ?? 0} req/s, ${last?.errors ?? 0} errors, p50 ${(last?.p50 ?? 0).toFixed(0)} ms, p99 ${(last?.p99 ?? 0).toFixed(0)} ms`,
    `shoppers ${recorder.arrived}${recorder.dropped ? ` (+${recorder.dropped} turned away)` : ''}   orders placed ${recorder.placed}, confirmed ${recorder.confirmed}, cancelled ${recorder.cancelled}`,
    ...steps,
  ].join('\n');
}

export async function runLoad(options: LoadOptions, out: NodeJS.WriteStream = process.stdout): Promise<RunSummary> {
  const shop = new Shop(options.url, Math.min(512, Math.max(16, options.maxShoppers)));
  const recorder = new Recorder();
  const catalog = await readCatalog(shop, recorder);
  const live = out.isTTY === true;
  const began = performance.now();
  const startedAt = new Date().toISOString();
  let stopping = false;
  const visits = new Set<Promise<void>>();

  // Arrivals at the times the rate gives (arrivalAt), checked every 10 ms, so a slow shop never
  // slows them down.
  let next = 0;
  let dueAt = arrivalAt(options, next);
  const arrivals = setInterval(() => {
    const elapsed = performance.now() - began;
    while (dueAt <= elapsed && dueAt < options.durationMs) {
      dueAt = arrivalAt(options, ++next);
      if (recorder.active >= options.maxShoppers) recorder.dropped++;
      else {
        recorder.shopperArrived();
        recorder.active++;
        const visit = shopperVisit(shop, recorder, catalog, () => stopping).finally(() => {
          recorder.active--;
          visits.delete(visit);
        });
        visits.add(visit);
      }
    }
  }, 10);
  let printed = 0;
  const seconds = setInterval(() => {
    recorder.tick();
    const elapsed = performance.now() - began;
    if (live) logUpdate(liveLines(options, recorder, elapsed));
    else if (elapsed - printed >= 5_000) {
      printed = elapsed;
      const last = recorder.timeline.at(-1);
      out.write(`${Math.round(elapsed / 1000)} s: ${recorder.arrived} shoppers, ${recorder.active} active, ${last?.requests ?? 0} req/s, ${last?.errors ?? 0} errors/s, p99 ${(last?.p99 ?? 0).toFixed(0)} ms, ${recorder.confirmed} orders confirmed\n`);
    }
  }, 1_000);

  await new Promise((r) => setTimeout(r, options.durationMs));
  clearInterval(arrivals);
  // Shoppers under way finish their visit, for at most the grace period.
  const grace = setTimeout(() => (stopping = true), options.graceMs);
  const hardStop = new Promise((r) => setTimeout(r, options.graceMs + 15_000).unref());
  await Promise.race([Promise.allSettled([...visits]), hardStop]);
  clearTimeout(grace);
  clearInterval(seconds);
  recorder.tick();
  if (live) {
    logUpdate(liveLines(options, recorder, performance.now() - began));
    logUpdate.done();
  }
  await shop.close().catch(() => undefined);

  const partial = {
    options,
    startedAt,
    seconds: (performance.now() - began) / 1000,
    arrived: recorder.arrived,
    dropped: recorder.dropped,
    placed: recorder.placed,
    confirmed: recorder.confirmed,
    cancelled: recorder.cancelled,
    unsettled: recorder.unsettled,
    overall: recorder.overall(),
    steps: recorder.steps(),
    reasons: recorder.reasons(),
    timeline: recorder.timeline,
  };
  return { ...partial, verdicts: options.slos.map((slo) => judge(slo, partial)) };
}

async function main(): Promise<number> {
  let options: LoadOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`load: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const rate = options.rateFrom === options.rateTo ? `${options.rateFrom}` : `${options.rateFrom} -> ${options.rateTo}`;
  process.stdout.write(`load: ${rate} new shoppers/s for ${options.durationMs / 1000} s against ${options.url}\n`);
  let summary: RunSummary;
  try {
    summary = await runLoad(options);
  } catch (error) {
    process.stderr.write(`load: ${(error as Error).message}\n`);
    return 2;
  }
  for (const line of textSummary(summary)) process.stdout.write(`${line}\n`);
  const report = resolve(options.report);
  writeFileSync(report, htmlReport(summary));
  process.stdout.write(`report: ${report}\n`);
  return summary.verdicts.every((v) => v.met) ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`load: ${error.stack ?? error.message}\n`);
      process.exit(2);
    },
  );
}
