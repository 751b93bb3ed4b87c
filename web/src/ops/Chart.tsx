import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Point {
  t: number;
  rps: number;
  p95Ms: number | null;
}

/** Requests/s (area) and p95 latency (line, right axis) over the last minutes, drawn by uPlot. */
export function ServiceChart({ points, label }: { points: Point[]; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  const data = (): uPlot.AlignedData => [points.map((p) => p.t / 1000), points.map((p) => p.rps), points.map((p) => p.p95Ms)];

  useEffect(() => {
    if (!host.current) return;
    const width = Math.max(220, host.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 110,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { x: { time: true }, rps: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] }, ms: { range: (_u, _min, max) => [0, Math.max(5, max * 1.15)] } },
        axes: [
          {
            stroke: '#69708a',
            grid: { show: false },
            ticks: { show: false },
            font: '10px system-ui',
            size: 22,
            space: 70,
            values: (_u, v) => v.map((seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })),
          },
          { scale: 'rps', stroke: '#2f5bea', grid: { stroke: '#eef0f6' }, ticks: { show: false }, font: '10px system-ui', size: 34, values: (_u, v) => v.map((n) => `${n}`) },
          { scale: 'ms', side: 1, stroke: '#d9822b', grid: { show: false }, ticks: { show: false }, font: '10px system-ui', size: 40, values: (_u, v) => v.map((n) => `${n}ms`) },
        ],
        series: [
          {},
          { label: 'req/s', scale: 'rps', stroke: '#2f5bea', width: 1.5, fill: 'rgba(47,91,234,0.12)', points: { show: false } },
          { label: 'p95 ms', scale: 'ms', stroke: '#d9822b', width: 1.25, points: { show: false }, spanGaps: true },
        ],
      },
      data(),
      host.current,
    );
    const observer = new ResizeObserver(() => {
      if (host.current && plot.current) plot.current.setSize({ width: Math.max(220, host.current.clientWidth), height: 110 });
    });
    observer.observe(host.current);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data());
  });

  return <div className="chart" ref={host} role="img" aria-label={label} />;
}
