import type { operations } from '@microshop/contracts';
import { useId, useMemo, useState } from 'react';
import { Loading, Notice } from '../components/ui';
import { percent, perSecond } from './format';
import { serviceColor } from './service-colors';
import { layoutServiceMap, NODE } from './service-map-layout';
import { useAdmin } from './use-admin';

const REFRESH_MS = 5_000;
const WINDOWS = [
  { seconds: 60, label: 'the last minute' },
  { seconds: 300, label: 'the last 5 minutes' },
  { seconds: 900, label: 'the last 15 minutes' },
];

const edgeLabel = (edge: operations.ServiceEdge) => `${perSecond(edge.perSecond)} · ${percent(edge.errorRate)}`;
const kindWords = { http: 'HTTP calls', event: 'events' } as const;

function MapDrawing({ map, label }: { map: operations.ServiceMap; label: string }) {
  const id = useId();
  const layout = useMemo(() => layoutServiceMap(map.services, map.edges), [map]);
  return (
    <div className="map-scroll">
      <svg
        className="service-map"
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        style={{ maxWidth: '100%', height: 'auto' }}
      >
        <title id={`${id}-title`}>{label}</title>
        <desc id={`${id}-desc`}>
          {map.edges.length === 0 ? 'No calls or events between services.' : map.edges.map((e) => `${e.from} to ${e.to}: ${kindWords[e.kind]}, ${perSecond(e.perSecond)}, ${percent(e.errorRate)} errors`).join('; ')}
        </desc>
        <defs>
          <marker id={`${id}-http`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="map-arrow-http" />
          </marker>
          <marker id={`${id}-event`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10" className="map-arrow-event" />
          </marker>
        </defs>
        {layout.edges.map(({ edge, d }) => (
          <path
            key={`${edge.from}>${edge.to}>${edge.kind}`}
            d={d}
            className={`map-edge map-edge-${edge.kind}${edge.errors > 0 ? ' map-edge-errors' : ''}`}
            markerEnd={`url(#${id}-${edge.kind})`}
            data-from={edge.from}
            data-to={edge.to}
          />
        ))}
        {layout.edges.map(({ edge, label: at }) => (
          <text key={`${edge.from}>${edge.to}>${edge.kind}`} x={at.x} y={at.y} className={`map-label${edge.errors > 0 ? ' map-label-errors' : ''}`} textAnchor="middle" dominantBaseline="middle">
            {edgeLabel(edge)}
          </text>
        ))}
        {layout.nodes.map((node) => (
          <g key={node.name} className="map-node" transform={`translate(${node.x - NODE.width / 2},${node.y - NODE.height / 2})`}>
            <rect width={NODE.width} height={NODE.height} rx="8" />
            <rect width="6" height={NODE.height} rx="3" fill={serviceColor(node.name)} />
            <text x={NODE.width / 2 + 3} y={NODE.height / 2} textAnchor="middle" dominantBaseline="central">
              {node.name}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}

function EdgeTable({ map, span }: { map: operations.ServiceMap; span: string }) {
  return (
    <div className="table-scroll">
      <table className="ops-table">
        <caption className="visually-hidden">Calls and events between services in {span}</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">Kind</th>
            <th scope="col">Count</th>
            <th scope="col">Rate</th>
            <th scope="col">Errors</th>
            <th scope="col">Error rate</th>
          </tr>
        </thead>
        <tbody>
          {map.edges.map((edge) => (
            <tr key={`${edge.from}>${edge.to}>${edge.kind}`}>
              <td>{edge.from}</td>
              <td>{edge.to}</td>
              <td>{edge.kind === 'http' ? 'HTTP' : 'event'}</td>
              <td>{edge.count}</td>
              <td>{perSecond(edge.perSecond)}</td>
              <td className={edge.errors > 0 ? 'bad' : ''}>{edge.errors}</td>
              <td className={edge.errors > 0 ? 'bad' : ''}>{percent(edge.errorRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Who calls whom, drawn from the traces the gateway keeps, refreshed every few seconds. */
export function ServiceMapPage() {
  const [windowSeconds, setWindowSeconds] = useState(300);
  const { data: map, error } = useAdmin<operations.ServiceMap>(`/api/admin/service-map?windowSeconds=${windowSeconds}`, REFRESH_MS);
  const span = WINDOWS.find((w) => w.seconds === windowSeconds)?.label ?? `the last ${windowSeconds} s`;
  return (
    <>
      <div className="ops-summary">
        <h1>Service map</h1>
        <div className="field map-window">
          <label htmlFor="map-window">Over</label>
          <select id="map-window" value={windowSeconds} onChange={(e) => setWindowSeconds(Number(e.target.value))}>
            {WINDOWS.map((w) => (
              <option key={w.seconds} value={w.seconds}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {!map && !error ? <Loading label="Drawing the service map" /> : null}
      {map ? (
        <>
          <section className="ops-section" aria-labelledby="map-title">
            <h2 id="map-title">Calls and events in {span}</h2>
            <p className="map-key muted">
              <span className="map-key-http" aria-hidden="true" /> HTTP call <span className="map-key-event" aria-hidden="true" /> event · each labelled with its rate · error rate
            </p>
            {map.edges.length === 0 ? <p className="muted">Nothing called another service in {span}.</p> : null}
            <MapDrawing map={map} label={`Service map: ${map.services.length} services and ${map.edges.length} connections in ${span}`} />
          </section>
          {map.edges.length > 0 ? (
            <section className="ops-section" aria-labelledby="edges-title">
              <h2 id="edges-title">Connections</h2>
              <EdgeTable map={map} span={span} />
            </section>
          ) : null}
        </>
      ) : null}
    </>
  );
}
