import type { LoadOptions } from './options.js';
import type { Second, StepSummary } from './recorder.js';

export interface Verdict {
  text: string;
  actual: number;
  met: boolean;
}

export interface RunSummary {
  options: LoadOptions;
  startedAt: string;
  seconds: number;
  arrived: number;
  dropped: number;
  placed: number;
  confirmed: number;
  cancelled: number;
  unsettled: number;
  overall: StepSummary;
  steps: StepSummary[];
  reasons: Array<[string, number]>;
  timeline: Second[];
  verdicts: Verdict[];
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`);

/** A line chart of one or more series over the run's seconds, as inline SVG (no script, nothing fetched). */
type Series = Array<{ name: string; color: string; value: (s: Second) => number }>;

function chart(title: string, unit: string, timeline: readonly Second[], series: Series): string {
  const width = 860;
  const height = 220;
  const left = 56;
  const bottom = 28;
  const top = 24;
  const max = timeline.reduce((top, s) => series.reduce((m, line) => Math.max(m, line.value(s)), top), 1);
  const x = (i: number) => left + (timeline.length <= 1 ? 0 : (i / (timeline.length - 1)) * (width - left - 10));
  const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
  const paths = series
    .map((line) => {
      const points = timeline.map((s, i) => `${x(i).toFixed(1)},${y(line.value(s)).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${points}"><title>${escape(line.name)}</title></polyline>`;
    })
    .join('');
  const ticks = [0, 0.5, 1]
    .map((f) => `<text x="${left - 6}" y="${y(max * f) + 4}" text-anchor="end">${(max * f).toFixed(max * f >= 10 ? 0 : 1)}</text><line x1="${left}" x2="${width - 10}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#ddd"/>`)
    .join('');
  const legend = series.map((line, i) => `<text x="${left + 10 + i * 170}" y="14" fill="${line.color}">■ ${escape(line.name)}</text>`).join('');
  const last = timeline.at(-1)?.at ?? 0;
  return `<figure><figcaption>${escape(title)} (${escape(unit)})</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)}" font-size="11" font-family="sans-serif">${ticks}${paths}${legend}<text x="${left}" y="${height - 8}">0 s</text><text x="${width - 10}" y="${height - 8}" text-anchor="end">${last} s</text></svg></figure>`;
}

/** The report a run leaves behind: the summary, every step's figures and charts over time. */
export function htmlReport(summary: RunSummary): string {
  const { options, timeline } = summary;
  const rows = summary.steps
    .filter((s) => s.count > 0)
    .map((s) => `<tr><td>${s.step}</td><td>${s.count}</td><td>${s.errors}</td><td>${ms(s.p50)}</td><td>${ms(s.p90)}</td><td>${ms(s.p95)}</td><td>${ms(s.p99)}</td><td>${ms(s.max)}</td></tr>`)
    .join('');
  const verdicts = summary.verdicts.map((v) => `<li class="${v.met ? 'met' : 'missed'}">${v.met ? '✓' : '✗'} ${escape(v.text)}: ${v.actual.toFixed(3)}</li>`).join('');
  const reasons = summary.reasons.map(([why, n]) => `<li>${n} × ${escape(why)}</li>`).join('');
  const rate = options.rateFrom === options.rateTo ? `${options.rateFrom}` : `${options.rateFrom} → ${options.rateTo}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Microshop load run ${escape(summary.startedAt)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:900px}table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}.met{color:#1a7f37}.missed{color:#cf222e}figure{margin:1.5rem 0}figcaption{font-weight:600}</style>
</head><body>
<h1>Microshop load run</h1>
<p>${escape(options.url)} · started ${escape(summary.startedAt)} · ${summary.seconds.toFixed(0)} s · ${rate} new shoppers/s</p>
<p>${summary.arrived} shoppers arrived${summary.dropped ? ` (${summary.dropped} turned away at the ${options.maxShoppers}-shopper cap)` : ''}; ${summary.placed} orders placed, ${summary.confirmed} confirmed, ${summary.cancelled} cancelled, ${summary.unsettled} unsettled;
${summary.overall.count} requests, ${summary.overall.errors} failed; p50 ${ms(summary.overall.p50)}, p99 ${ms(summary.overall.p99)}</p>
${verdicts ? `<h2>Objectives</h2><ul>${verdicts}</ul>` : ''}
<h2>Steps</h2>
<table><tr><th>step</th><th>requests</th><th>errors</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th></tr>${rows}</table>
${reasons ? `<h2>Errors</h2><ul>${reasons}</ul>` : ''}
<h2>Over time</h2>
${chart('Requests per second', 'req/s', timeline, [
  { name: 'requests', color: '#0969da', value: (s) => s.requests },
  { name: 'errors', color: '#cf222e', value: (s) => s.errors },
])}
${chart('Latency of every request', 'ms', timeline, [
  { name: 'p50', color: '#1a7f37', value: (s) => s.p50 },
  { name: 'p99', color: '#bf8700', value: (s) => s.p99 },
])}
${chart('Shoppers', 'count', timeline, [
  { name: 'active', color: '#8250df', value: (s) => s.active },
  { name: 'arrived per second', color: '#0969da', value: (s) => s.arrived },
  { name: 'orders confirmed per second', color: '#1a7f37', value: (s) => s.confirmed },
])}
</body></html>
`;
}

/** The summary printed at the end, as lines. */
export function textSummary(summary: RunSummary): string[] {
  const lines = [
    `${summary.arrived} shoppers in ${summary.seconds.toFixed(0)} s${summary.dropped ? ` (${summary.dropped} turned away at the cap)` : ''}; ` +
      `orders: ${summary.placed} placed, ${summary.confirmed} confirmed, ${summary.cancelled} cancelled, ${summary.unsettled} unsettled`,
    `${summary.overall.count} requests (${(summary.overall.count / Math.max(1, summary.seconds)).toFixed(1)}/s), ${summary.overall.errors} failed; ` +
      `p50 ${ms(summary.overall.p50)}, p95 ${ms(summary.overall.p95)}, p99 ${ms(summary.overall.p99)}`,
    `${'step'.padEnd(10)} ${'requests'.padStart(8)} ${'errors'.padStart(7)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)}`,
    ...summary.steps
      .filter((s) => s.count > 0)
      .map((s) => `${s.step.padEnd(10)} ${String(s.count).padStart(8)} ${String(s.errors).padStart(7)} ${ms(s.p50).padStart(9)} ${ms(s.p95).padStart(9)} ${ms(s.p99).padStart(9)} ${ms(s.max).padStart(9)}`),
  ];
  for (const [why, n] of summary.reasons.slice(0, 8)) lines.push(`  ${n} x ${why}`);
  for (const v of summary.verdicts) lines.push(`SLO ${v.met ? 'met   ' : 'MISSED'} ${v.text} (${v.actual.toFixed(3)})`);
  return lines;
}
