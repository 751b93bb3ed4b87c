// An open-loop load generator for latency at a fixed rate, in its own process:
//   node paced-load.js <url> <requests/s> <seconds> <connections> [name:value header...]
// (3 s of warm-up at the same rate first, not counted).
// Request i is due at start + i/rate whatever happened to the ones before it, and its latency is
// counted from that due time (as wrk2 does), so a stalled target cannot hide its queue by slowing
// the client down. autocannon's fixed rate is not this: each connection runs flat out until its
// quota for the second is spent, then idles, which measures a burst at full speed.
// Prints one JSON line: { sent, ok, failed, p50, p90, p99, max } (latencies in ms).
import { Pool } from 'undici';

const [target = '', rateText = '0', secondsText = '0', connectionsText = '16', ...headerArgs] = process.argv.slice(2);
const url = new URL(target);
const rate = Number(rateText);
const seconds = Number(secondsText);
const connections = Number(connectionsText);
if (!(rate > 0 && seconds > 0 && connections > 0)) {
  process.stderr.write('usage: paced-load <url> <requests/s> <seconds> <connections> [name:value...]\n');
  process.exit(2);
}
const headers: Record<string, string> = {};
for (const arg of headerArgs) {
  const colon = arg.indexOf(':');
  headers[arg.slice(0, colon).trim().toLowerCase()] = arg.slice(colon + 1).trim();
}

const pool = new Pool(url.origin, { connections, pipelining: 1 });
const path = url.pathname + url.search;
/**
 * The first seconds at the same rate are sent but not counted: connections open, and the client's
 * and the targets' code is still being optimised for this load.
 */
const WARM_UP_SECONDS = 3;
const counted = Math.floor(rate * WARM_UP_SECONDS);
const total = counted + Math.floor(rate * seconds);
const latencies = new Float64Array(total);
let sent = 0;
let done = 0;
let ok = 0;
let failed = 0;

const start = performance.now();
const finished = new Promise<void>((resolve) => {
  const complete = (index: number, due: number, success: boolean) => {
    latencies[index] = performance.now() - due;
    if (index >= counted) {
      if (success) ok++;
      else failed++;
    }
    if (++done === total) resolve();
  };
  const send = (index: number) => {
    const due = start + (index * 1000) / rate;
    pool.request({ path, method: 'GET', headers }).then(
      async (response) => {
        await response.body.dump();
        complete(index, due, response.statusCode < 400);
      },
      () => complete(index, due, false),
    );
  };
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due) send(sent++);
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
});

await finished;
await pool.close();
const measured = Array.from(latencies.subarray(counted)).sort((a, b) => a - b);
const at = (q: number) => Number((measured[Math.min(measured.length - 1, Math.floor(q * measured.length))] ?? Number.NaN).toFixed(2));
process.stdout.write(`${JSON.stringify({ sent, ok, failed, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) })}\n`);
