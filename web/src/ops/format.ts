/** Numbers as the dashboard shows them. */
export const rate = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

export const percent = (n: number) => `${(n * 100).toFixed(n > 0 && n < 0.01 ? 2 : 1)} %`;

/** 0.42 → "0.42 ms", 12.34 → "12.3 ms", 1234 → "1.23 s" */
export function duration(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A rate that may be well under one a second: 0.0033 → "0.003/s", 2.5 → "2.5/s". */
export function perSecond(n: number): string {
  if (n === 0) return '0/s';
  if (n >= 10) return `${n.toFixed(0)}/s`;
  if (n >= 1) return `${n.toFixed(1)}/s`;
  return `${n.toPrecision(n >= 0.01 ? 2 : 1).replace(/\.?0+$/, '')}/s`;
}

export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
