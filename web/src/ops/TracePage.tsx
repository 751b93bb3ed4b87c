import type { operations } from '@microshop/contracts';
import { type CSSProperties, useMemo, useState } from 'react';
import { Loading, Notice } from '../components/ui';
import { Link } from '../router';
import { clock, duration } from './format';
import { serviceColor } from './service-colors';
import { SpanDetails } from './SpanDetails';
import { spanRows, traceDuration, visibleRows } from './span-tree';
import { useAdmin } from './use-admin';
import { Waterfall } from './Waterfall';

/** Keeps the selected span in the address (without a new history entry), so a link can point at it. */
function rememberSpan(spanId: string) {
  const url = new URL(location.href);
  url.searchParams.set('span', spanId);
  history.replaceState(history.state, '', url);
}

/** One trace: its waterfall, and the selected span's attributes and events. */
export function TracePage({ traceId, spanId }: { traceId: string; spanId: string | null }) {
  const { data: trace, error, status, reload } = useAdmin<operations.TraceView>(`/api/admin/traces/${encodeURIComponent(traceId)}`);
  const [chosen, setChosen] = useState<string | null>(spanId);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());

  const rows = useMemo(() => spanRows(trace?.spans ?? []), [trace]);
  const shown = useMemo(() => visibleRows(rows, collapsed), [rows, collapsed]);
  const total = useMemo(() => traceDuration(trace?.spans ?? []), [trace]);
  const services = useMemo(() => [...new Set(rows.map((r) => r.span.service))], [rows]);
  const ids = useMemo(() => new Set(rows.map((r) => r.span.spanId)), [rows]);

  // The chosen span, or the one it is folded under, or the first.
  const chosenRow = rows.find((r) => r.span.spanId === chosen);
  const hiddenUnder = chosenRow?.ancestors.find((id) => collapsed.has(id));
  const selected = hiddenUnder ?? chosenRow?.span.spanId ?? shown[0]?.span.spanId ?? null;
  const span = rows.find((r) => r.span.spanId === selected)?.span;

  const select = (id: string) => {
    if (!ids.has(id)) return;
    setChosen(id);
    rememberSpan(id);
  };
  const toggle = (id: string) =>
    setCollapsed((set) => {
      const next = new Set(set);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const root = rows[0]?.span;
  const errors = rows.filter((r) => r.span.status === 'error').length;

  return (
    <>
      <p className="ops-back">
        <Link href="/ops/traces">← All traces</Link>
      </p>
      <div className="ops-summary">
        <h1>{root ? `Trace: ${root.name}` : 'Trace'}</h1>
        <button type="button" className="button button-small button-secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      <p className="trace-id">
        trace_id <code>{traceId}</code>
      </p>
      {status === 404 ? (
        <Notice kind="warning">
          No trace {traceId} is kept: it may not have arrived yet, or it is older than the store keeps. <Link href="/ops/traces">Search the traces</Link>
        </Notice>
      ) : error ? (
        <Notice kind="error">{error}</Notice>
      ) : null}
      {!trace && !error ? <Loading label="Loading the trace" /> : null}
      {trace && root ? (
        <>
          <p className="muted trace-facts">
            Started {clock(root.startTime)} · {duration(total)} · {rows.length} spans · {services.length} services
            {errors > 0 ? (
              <>
                {' '}
                · <span className="wf-error">{errors === 1 ? '1 error' : `${errors} errors`}</span>
              </>
            ) : null}
          </p>
          <ul className="legend" aria-label="Services in this trace">
            {services.map((service) => (
              <li key={service}>
                <span className="legend-swatch" style={{ '--service': serviceColor(service) } as CSSProperties} aria-hidden="true" />
                {service}
              </li>
            ))}
          </ul>
          <div className="trace-layout">
            <section className="ops-section trace-waterfall" aria-labelledby="waterfall-title">
              <h2 id="waterfall-title">Waterfall</h2>
              <Waterfall rows={shown} total={total} selected={selected} collapsed={collapsed} onSelect={select} onToggle={toggle} />
            </section>
            {span ? <SpanDetails span={span} parentKnown={span.parentSpanId !== null && ids.has(span.parentSpanId)} onSelect={select} /> : null}
          </div>
        </>
      ) : null}
      {trace && !root ? <p className="muted">This trace has no spans.</p> : null}
    </>
  );
}
