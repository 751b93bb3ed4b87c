import type { operations } from '@microshop/contracts';
import type { CSSProperties } from 'react';
import { duration } from './format';
import { serviceColor } from './service-colors';
import { attributeText } from './span-tree';

type Span = operations.SpanView;

function Attributes({ attributes, caption }: { attributes: Span['attributes']; caption: string }) {
  const entries = Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p className="muted">No attributes.</p>;
  return (
    <table className="ops-table kv-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Attribute</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{attributeText(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Everything recorded about one span, with the ids its log lines carry. */
export function SpanDetails({ span, parentKnown, onSelect }: { span: Span; parentKnown: boolean; onSelect: (spanId: string) => void }) {
  return (
    <section className="span-details" aria-labelledby="span-details-title" aria-live="polite">
      <h2 id="span-details-title">
        <span className="wf-service" style={{ '--service': serviceColor(span.service) } as CSSProperties}>
          {span.service}
        </span>{' '}
        {span.name}
      </h2>
      {span.status === 'error' ? (
        <p className="span-status-error">
          <span className="wf-error">error</span> {span.statusMessage ?? 'The span ended with an error status.'}
        </p>
      ) : null}
      <dl className="span-facts">
        <div>
          <dt>Duration</dt>
          <dd>{duration(span.durationMs)}</dd>
        </div>
        <div>
          <dt>Starts at</dt>
          <dd>+{duration(span.offsetMs)}</dd>
        </div>
        <div>
          <dt>Kind</dt>
          <dd>{span.kind}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{span.status}</dd>
        </div>
        <div>
          <dt>Instance</dt>
          <dd>{span.instance}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{new Date(span.startTime).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 })}</dd>
        </div>
      </dl>
      <dl className="span-ids">
        <div>
          <dt>span_id</dt>
          <dd>
            <code>{span.spanId}</code>
          </dd>
        </div>
        <div>
          <dt>parent</dt>
          <dd>
            {span.parentSpanId === null ? (
              'none (the root)'
            ) : !parentKnown ? (
              <>
                <code>{span.parentSpanId}</code> (not in this trace)
              </>
            ) : (
              <button type="button" className="link-button" onClick={() => onSelect(span.parentSpanId ?? '')}>
                <code>{span.parentSpanId}</code>
              </button>
            )}
          </dd>
        </div>
      </dl>
      <p className="muted">
        Its log lines: <code className="log-query">trace_id={span.traceId} span_id={span.spanId}</code>
      </p>
      <h3>Attributes</h3>
      <Attributes attributes={span.attributes} caption={`Attributes of ${span.name}`} />
      <h3>Events</h3>
      {span.events.length === 0 ? <p className="muted">No events.</p> : null}
      {span.events.length > 0 ? (
        <ol className="span-events">
          {span.events.map((event, i) => (
            <li key={`${event.name}-${i}`}>
              <p>
                <strong>{event.name}</strong> <span className="muted">+{duration(Math.max(0, event.offsetMs - span.offsetMs))} into the span</span>
              </p>
              {Object.keys(event.attributes).length > 0 ? <Attributes attributes={event.attributes} caption={`Attributes of the event ${event.name}`} /> : null}
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}
