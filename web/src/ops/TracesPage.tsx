import type { operations } from '@microshop/contracts';
import { type FormEvent, useMemo, useState } from 'react';
import { Field, Loading, Notice } from '../components/ui';
import { Link, navigate } from '../router';
import { clock, duration } from './format';
import { serviceColor } from './service-colors';
import { useAdmin } from './use-admin';

const LIMIT = 50;
const FILTERS = ['orderId', 'service', 'error', 'minDurationMs'] as const;

/** The search as the page's address holds it, and as the gateway is asked for it. */
function searchOf(query: URLSearchParams): URLSearchParams {
  const search = new URLSearchParams();
  for (const name of FILTERS) {
    const value = query.get(name)?.trim();
    if (value) search.set(name, value);
  }
  return search;
}

function TraceLookup() {
  const [id, setId] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const open = (event: FormEvent) => {
    event.preventDefault();
    const traceId = id.trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(traceId)) return setError('A trace id is 32 hexadecimal digits, as in the X-Trace-Id header and trace_id in logs.');
    navigate(`/ops/traces/${traceId}`);
  };
  return (
    <form className="ops-form trace-lookup" onSubmit={open} noValidate>
      <Field label="Trace id" value={id} onChange={(e) => setId(e.target.value)} error={error} spellCheck={false} autoComplete="off" placeholder="32 hex digits" />
      <button type="submit" className="button button-small button-secondary">
        Open
      </button>
    </form>
  );
}

function SearchForm({ query, services, onSearch }: { query: URLSearchParams; services: string[]; onSearch: (search: URLSearchParams) => void }) {
  const [orderId, setOrderId] = useState(query.get('orderId') ?? '');
  const [service, setService] = useState(query.get('service') ?? '');
  const [errorsOnly, setErrorsOnly] = useState(query.get('error') === 'true');
  const [minDuration, setMinDuration] = useState(query.get('minDurationMs') ?? '');
  const [invalid, setInvalid] = useState<string | undefined>(undefined);
  // Back and forward change the search under the form: show it (without remounting, so a submit keeps the focus).
  const [shown, setShown] = useState(query.toString());
  if (shown !== query.toString()) {
    setShown(query.toString());
    setOrderId(query.get('orderId') ?? '');
    setService(query.get('service') ?? '');
    setErrorsOnly(query.get('error') === 'true');
    setMinDuration(query.get('minDurationMs') ?? '');
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const ms = minDuration.trim();
    if (ms && !(Number(ms) >= 0)) return setInvalid('Enter a number of milliseconds, like 250.');
    setInvalid(undefined);
    const search = new URLSearchParams();
    if (orderId.trim()) search.set('orderId', orderId.trim());
    if (service) search.set('service', service);
    if (errorsOnly) search.set('error', 'true');
    if (ms) search.set('minDurationMs', String(Number(ms)));
    onSearch(search);
  };

  return (
    <form role="search" aria-label="Traces" className="ops-form trace-search" onSubmit={submit} noValidate>
      <Field label="Order id" value={orderId} onChange={(e) => setOrderId(e.target.value)} spellCheck={false} autoComplete="off" />
      <div className="field">
        <label htmlFor="trace-service">Service</label>
        <select id="trace-service" value={service} onChange={(e) => setService(e.target.value)}>
          <option value="">Any service</option>
          {services.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <Field label="Minimum duration (ms)" type="number" inputMode="decimal" min={0} step="any" value={minDuration} onChange={(e) => setMinDuration(e.target.value)} error={invalid} />
      <label className="check">
        <input type="checkbox" checked={errorsOnly} onChange={(e) => setErrorsOnly(e.target.checked)} /> Errors only
      </label>
      <button type="submit" className="button button-small">
        Search
      </button>
    </form>
  );
}

function Results({ items }: { items: operations.TraceSummary[] }) {
  if (items.length === 0) return <p className="muted">No trace matches. Traces are kept for a while after their last span; try fewer filters.</p>;
  return (
    <div className="table-scroll">
      <table className="ops-table trace-results">
        <caption className="visually-hidden">Traces, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Trace</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Services</th>
            <th scope="col">Spans</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map((trace) => {
            const href = `/ops/traces/${trace.traceId}`;
            return (
              <tr key={trace.traceId} className="clickable" onClick={(event) => {
                  // The link in the first cell is the keyboard's way in; a click anywhere else on the row does the same.
                  if (!(event.target as Element).closest('a')) navigate(href);
                }}>
                <th scope="row">
                  <Link href={href}>{trace.rootName}</Link>
                  <span className="trace-sub">
                    <code>{trace.traceId.slice(0, 12)}…</code>
                    {trace.orderIds.length > 0 ? ` · order ${trace.orderIds.join(', ')}` : ''}
                  </span>
                </th>
                <td>{clock(trace.startedAt)}</td>
                <td>{duration(trace.durationMs)}</td>
                <td>
                  <ul className="service-chips" aria-label={`${trace.services.length} services`}>
                    {trace.services.map((service) => (
                      <li key={service} style={{ borderColor: serviceColor(service) }}>
                        {service}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{trace.spanCount}</td>
                <td>{trace.error ? <span className="wf-error">error</span> : <span className="ok">ok</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Search the kept traces by order, service, errors and duration; newest first. */
export function TracesPage({ query }: { query: URLSearchParams }) {
  const search = searchOf(query);
  const asked = new URLSearchParams(search);
  asked.set('limit', String(LIMIT));
  const { data, error, reload } = useAdmin<operations.TraceList>(`/api/admin/traces?${asked}`);
  const map = useAdmin<operations.ServiceMap>('/api/admin/service-map');
  const current = search.get('service');
  const services = useMemo(() => {
    const names = new Set([...(map.data?.services ?? []), ...(data?.items.flatMap((t) => t.services) ?? []), ...(current ? [current] : [])]);
    return [...names].sort();
  }, [map.data, data, current]);

  const onSearch = (next: URLSearchParams) => {
    const text = next.toString();
    navigate(text ? `/ops/traces?${text}` : '/ops/traces');
    reload();
  };

  return (
    <>
      <div className="ops-summary">
        <h1>Traces</h1>
        <p>Each request and the work it caused, across the services.</p>
      </div>
      <section className="ops-section" aria-labelledby="trace-search-title">
        <h2 id="trace-search-title">Search</h2>
        <SearchForm query={search} services={services} onSearch={onSearch} />
        <TraceLookup />
      </section>
      <section className="ops-section" aria-labelledby="trace-results-title">
        <h2 id="trace-results-title" aria-live="polite">
          {data ? `${data.items.length === LIMIT ? `The newest ${LIMIT}` : data.items.length} ${data.items.length === 1 ? 'trace' : 'traces'}` : 'Results'}
          {search.size > 0 ? ' matching' : ''}
        </h2>
        {error ? <Notice kind="error">{error}</Notice> : null}
        {!data && !error ? <Loading label="Searching the traces" /> : null}
        {data ? <Results items={data.items} /> : null}
      </section>
    </>
  );
}
