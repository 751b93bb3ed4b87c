import type { operations } from '@microshop/contracts';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, describeError } from '../api';
import { Loading, Notice } from '../components/ui';
import { ServiceChart } from './Chart';
import { percent, rate } from './format';

// The shapes the gateway answers with, from the contracts it serializes them by (types only: no code reaches the page).
type ServiceView = operations.ServiceOverview;
type Overview = operations.AdminOverview;
type DeadLetter = operations.DeadLetterView;

const REFRESH_MS = 2_000;

function Health({ service }: { service: ServiceView }) {
  const healthy = service.instances.filter((i) => i.healthy).length;
  const total = service.instances.length;
  const state = total === 0 || healthy === 0 ? 'down' : healthy < total ? 'degraded' : 'up';
  const words = { up: 'Healthy', degraded: 'Degraded', down: 'Down' }[state];
  return (
    <span className={`health health-${state}`}>
      <span className="health-dot" aria-hidden="true" />
      {words} · {healthy}/{total}
    </span>
  );
}

function ServiceCard({ service }: { service: ServiceView }) {
  return (
    <article className="ops-card" aria-labelledby={`svc-${service.name}`}>
      <header className="ops-card-header">
        <h2 id={`svc-${service.name}`}>{service.name}</h2>
        <Health service={service} />
      </header>
      <dl className="ops-stats">
        <div>
          <dt>Requests/s</dt>
          <dd>{rate(service.requestsPerSecond)}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd className={service.errorRate > 0.01 ? 'bad' : ''}>{percent(service.errorRate)}</dd>
        </div>
        <div>
          <dt>p95</dt>
          <dd>{service.p95Ms === null ? '–' : `${service.p95Ms.toFixed(service.p95Ms < 10 ? 1 : 0)} ms`}</dd>
        </div>
        <div>
          <dt>Breaker</dt>
          <dd className={service.breaker === 'closed' ? '' : 'bad'}>{service.breaker}</dd>
        </div>
        <div>
          <dt>Backlog</dt>
          <dd>{service.bus ? service.bus.pending : '–'}</dd>
        </div>
        <div>
          <dt>Dead letters</dt>
          <dd className={service.bus && service.bus.deadLetters > 0 ? 'bad' : ''}>{service.bus ? service.bus.deadLetters : '–'}</dd>
        </div>
      </dl>
      <ServiceChart points={service.history} label={`${service.name}: requests per second and p95 latency over the last minutes`} />
      <table className="ops-instances">
        <caption className="visually-hidden">Instances of {service.name}</caption>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">pid</th>
            <th scope="col">req/s</th>
            <th scope="col">errors</th>
            <th scope="col">state</th>
          </tr>
        </thead>
        <tbody>
          {service.instances.map((instance) => (
            <tr key={instance.id}>
              <th scope="row" title={instance.url}>
                {instance.id}
              </th>
              <td>{instance.pid ?? '–'}</td>
              <td>{rate(instance.requestsPerSecond)}</td>
              <td>{percent(instance.errorRate)}</td>
              <td className={instance.healthy ? 'ok' : 'bad'} title={instance.reason ?? undefined}>
                {instance.healthy ? 'healthy' : 'ejected'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

function DeadLetters({ letters, onReplay, error }: { letters: DeadLetter[] | null; onReplay: (letter: DeadLetter) => void; error: string | null }) {
  return (
    <section className="ops-section" aria-labelledby="dead-letters-title">
      <h2 id="dead-letters-title">Dead letters</h2>
      {error ? <Notice kind="warning">{error}</Notice> : null}
      {letters && letters.length === 0 ? <p className="muted">No dead letters: every event was handled.</p> : null}
      {letters && letters.length > 0 ? (
        <table className="ops-table">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Event type</th>
              <th scope="col">Attempts</th>
              <th scope="col">Reason</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {letters.map((letter) => (
              <tr key={`${letter.service}/${letter.id}`}>
                <td>{letter.service}</td>
                <td>{letter.type}</td>
                <td>{letter.attempts}</td>
                <td className="reason">{letter.reason}</td>
                <td>
                  <button type="button" className="button button-small" onClick={() => onReplay(letter)}>
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** Every service and instance, and the dead letters, refreshed every two seconds. */
export function OverviewPage() {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [letters, setLetters] = useState<DeadLetter[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lettersError, setLettersError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setOverview(await api<Overview>('/api/admin/overview'));
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 403 ? 'Only an administrator can see the dashboard.' : describeError(e));
    }
    try {
      const list = await api<operations.DeadLetterList>('/api/admin/dead-letters');
      setLetters(list.items);
      setLettersError(list.unavailable.length > 0 ? `Could not ask ${list.unavailable.join(', ')} for dead letters.` : null);
    } catch (e) {
      setLettersError(describeError(e));
    }
  }, []);

  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => void refresh(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [refresh]);

  const replay = async (letter: DeadLetter) => {
    try {
      await api(`/api/admin/dead-letters/${encodeURIComponent(letter.service)}/${encodeURIComponent(letter.id)}/replay`, { method: 'POST' });
      setMessage(`Replayed ${letter.type} to ${letter.service}.`);
      void refresh();
    } catch (e) {
      setMessage(describeError(e));
    }
  };

  const totals = overview?.services.reduce(
    (sum, s) => ({ rps: sum.rps + s.requestsPerSecond, instances: sum.instances + s.instances.length, healthy: sum.healthy + s.instances.filter((i) => i.healthy).length }),
    { rps: 0, instances: 0, healthy: 0 },
  );

  return (
    <>
      <div className="ops-summary">
        <h1>System</h1>
        {totals ? (
          <p aria-live="polite">
            {rate(totals.rps)} requests/s · {totals.healthy} of {totals.instances} instances healthy · updated{' '}
            {overview ? new Date(overview.at).toLocaleTimeString() : ''}
          </p>
        ) : null}
      </div>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {message ? <Notice kind="info">{message}</Notice> : null}
      {!overview && !error ? <Loading label="Loading the system's state" /> : null}
      {overview ? (
        <div className="ops-grid">
          {overview.services.map((service) => (
            <ServiceCard key={service.name} service={service} />
          ))}
        </div>
      ) : null}
      <DeadLetters letters={letters} onReplay={replay} error={lettersError} />
    </>
  );
}
