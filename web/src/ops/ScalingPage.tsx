import type { operations } from '@microshop/contracts';
import { Loading, Notice } from '../components/ui';
import { useAdmin } from './use-admin';

type History = NonNullable<operations.RunnerView['autoscale']>['history'];

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** One service's instance count over the last minutes, as a step line between its bounds. */
function InstancesChart({ service, history, max }: { service: string; history: History; max: number }) {
  const width = 560;
  const height = 90;
  const points = history.map((h) => ({ t: h.t, n: h.instances[service] ?? 0 }));
  if (points.length < 2) return <p className="muted">Collecting… (a reading every 2 s)</p>;
  const first = points[0]?.t ?? 0;
  const span = Math.max(1, (points.at(-1)?.t ?? first) - first);
  const x = (t: number) => 30 + ((t - first) / span) * (width - 40);
  const y = (n: number) => 10 + (1 - n / Math.max(1, max)) * (height - 30);
  let d = '';
  points.forEach((p, i) => {
    d += i === 0 ? `M${x(p.t).toFixed(1)},${y(p.n).toFixed(1)}` : `H${x(p.t).toFixed(1)}V${y(p.n).toFixed(1)}`;
  });
  const levels = Array.from({ length: max + 1 }, (_, n) => n).filter((n) => n > 0);
  return (
    <svg className="scaling-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${service} instances over the last ${Math.round(span / 60_000) || 1} minutes`}>
      {levels.map((n) => (
        <g key={n}>
          <line x1={30} x2={width - 10} y1={y(n)} y2={y(n)} stroke="#eef0f6" />
          <text x={22} y={y(n) + 4} textAnchor="end" fontSize="10" fill="#69708a">
            {n}
          </text>
        </g>
      ))}
      <path d={d} fill="none" stroke="#2f5bea" strokeWidth={2} />
      <text x={30} y={height - 4} fontSize="10" fill="#69708a">
        {new Date(first).toLocaleTimeString()}
      </text>
      <text x={width - 10} y={height - 4} fontSize="10" fill="#69708a" textAnchor="end">
        {new Date(first + span).toLocaleTimeString()}
      </text>
    </svg>
  );
}

function Counts({ counts }: { counts: operations.ReleaseView['steps'][number]['canary'] }) {
  return (
    <>
      {counts.failures}/{counts.requests} failed, p95 {counts.p95Ms === null ? '–' : `${counts.p95Ms} ms`}
    </>
  );
}

/**
 * What the local runner does to the shop's instances: the autoscaler's instances over time with
 * each decision and its reason, and the canary releases (`deploy <service>`) step by step.
 */
export function ScalingPage() {
  const runner = useAdmin<operations.RunnerView>('/api/admin/runner', 2_000);
  const data = runner.data;
  return (
    <>
      <div className="ops-summary">
        <h1>Scaling and releases</h1>
        <p>
          The local runner’s autoscaler (<code>MICROSHOP_AUTOSCALE=catalog=1-3 npm start</code>) and its canary releases (type{' '}
          <code>deploy catalog</code> where <code>npm start</code> runs).
        </p>
      </div>
      {runner.error ? <Notice kind="error">{runner.error}</Notice> : null}
      {!data && !runner.error ? <Loading label="Loading the runner’s report" /> : null}
      {data && !data.runner ? <p className="muted">No local runner started this gateway: on Kubernetes, the cluster’s autoscalers and rollouts do this.</p> : null}
      {data ? (
        <section className="ops-section" aria-labelledby="autoscaling">
          <h2 id="autoscaling">Autoscaling</h2>
          {!data.autoscale ? <p className="muted">Nothing is autoscaled: start with MICROSHOP_AUTOSCALE to have the runner scale services by itself.</p> : null}
          {data.autoscale
            ? Object.entries(data.autoscale.bounds).map(([service, bounds]) => (
              <div key={service} className="scaling-service">
                <h3>
                  {service}{' '}
                  <span className="muted">
                    {bounds.min}–{bounds.max} instances, now {data.autoscale?.history.at(-1)?.instances[service] ?? '?'}
                  </span>
                </h3>
                <InstancesChart service={service} history={data.autoscale?.history ?? []} max={bounds.max} />
              </div>
            ))
            : null}
          {data.autoscale && data.autoscale.decisions.length > 0 ? (
            <table className="ops-table">
              <caption>Decisions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Service</th>
                  <th scope="col">Instances</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {[...data.autoscale.decisions].reverse().map((d) => (
                  <tr key={`${d.at}-${d.service}`}>
                    <td>{time(d.at)}</td>
                    <td>{d.service}</td>
                    <td>
                      {d.from} → {d.to}
                    </td>
                    <td>{d.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}
      {data ? (
        <section className="ops-section" aria-labelledby="releases">
          <h2 id="releases">Canary releases</h2>
          {data.releases.length === 0 ? <p className="muted">No release yet this run.</p> : null}
          {[...data.releases].reverse().map((r) => (
            <article key={`${r.service}-${r.startedAt}`} className="release" aria-label={`Release of ${r.service}`}>
              <h3>
                {r.service} <span className={`release-state release-${r.state.replace(/\s+/g, '-')}`}>{r.state}</span>
                {r.state === 'on trial' ? <span className="muted"> at {r.percent}% of the traffic</span> : null}
              </h3>
              <p className="muted">
                Started {time(r.startedAt)}
                {r.canary ? `, canary ${r.canary}` : ''}
                {r.endedAt ? `, ended ${time(r.endedAt)}` : ''}
                {r.reason ? `: ${r.reason}` : ''}
              </p>
              {r.steps.length > 0 ? (
                <table className="ops-table">
                  <thead>
                    <tr>
                      <th scope="col">Share</th>
                      <th scope="col">Canary</th>
                      <th scope="col">Stable</th>
                      <th scope="col">Verdict</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.steps.map((step) => (
                      <tr key={step.percent}>
                        <td>{step.percent}%</td>
                        <td>
                          <Counts counts={step.canary} />
                        </td>
                        <td>
                          <Counts counts={step.stable} />
                        </td>
                        <td>{step.verdict === 'pass' ? 'passed' : 'failed'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </article>
          ))}
        </section>
      ) : null}
    </>
  );
}
