import { type CSSProperties, type KeyboardEvent, useRef } from 'react';
import { duration } from './format';
import { serviceColor } from './service-colors';
import type { SpanRow } from './span-tree';

const INDENT_REM = 0.9;
const MAX_INDENT = 12;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

interface Props {
  rows: SpanRow[];
  total: number;
  selected: string | null;
  collapsed: ReadonlySet<string>;
  onSelect: (spanId: string) => void;
  onToggle: (spanId: string) => void;
}

/**
 * The trace as a waterfall: a row per span, indented under its parent, its bar placed on the
 * trace's timeline. A tree for assistive technology and the keyboard (arrows move, Left and
 * Right fold and unfold, Home and End jump), with the selected span the one tab stop.
 */
export function Waterfall({ rows, total, selected, collapsed, onSelect, onToggle }: Props) {
  const items = useRef(new Map<string, HTMLDivElement>());
  const scale = total > 0 ? total : 1;
  const current = rows.findIndex((row) => row.span.spanId === selected);
  const tabStop = current >= 0 ? current : 0;

  const move = (index: number) => {
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    if (!row) return;
    onSelect(row.span.spanId);
    items.current.get(row.span.spanId)?.focus();
  };

  const keyDown = (event: KeyboardEvent, index: number, row: SpanRow) => {
    const open = row.childCount > 0 && !collapsed.has(row.span.spanId);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(index + 1),
      ArrowUp: () => move(index - 1),
      Home: () => move(0),
      End: () => move(rows.length - 1),
      ArrowRight: () => (row.childCount === 0 ? undefined : open ? move(index + 1) : onToggle(row.span.spanId)),
      ArrowLeft: () => {
        if (open) return onToggle(row.span.spanId);
        const parent = row.ancestors.at(-1);
        if (parent) move(rows.findIndex((r) => r.span.spanId === parent));
      },
      Enter: () => onSelect(row.span.spanId),
      ' ': () => onSelect(row.span.spanId),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  return (
    <div className="wf">
      <div className="wf-scale" aria-hidden="true">
        <span className="wf-scale-label" />
        <span className="wf-scale-track">
          {TICKS.map((t) => (
            <span key={t} className="wf-tick" style={{ left: `${t * 100}%` }}>
              {duration(scale * t)}
            </span>
          ))}
        </span>
      </div>
      <div role="tree" aria-label="Spans, by parent and start time" className="wf-rows">
        {rows.map((row, index) => {
          const { span } = row;
          const start = (span.offsetMs / scale) * 100;
          const width = (span.durationMs / scale) * 100;
          const end = start + width;
          const open = !collapsed.has(span.spanId);
          const color = serviceColor(span.service);
          const error = span.status === 'error';
          return (
            <div
              key={span.spanId}
              ref={(el) => {
                if (el) items.current.set(span.spanId, el);
                else items.current.delete(span.spanId);
              }}
              role="treeitem"
              aria-level={row.depth + 1}
              aria-selected={span.spanId === selected}
              aria-expanded={row.childCount > 0 ? open : undefined}
              tabIndex={index === tabStop ? 0 : -1}
              className={`wf-row${span.spanId === selected ? ' wf-row-selected' : ''}${error ? ' wf-row-error' : ''}`}
              data-service={span.service}
              onClick={() => onSelect(span.spanId)}
              onKeyDown={(event) => keyDown(event, index, row)}
            >
              <span className="wf-label" style={{ paddingLeft: `${Math.min(row.depth, MAX_INDENT) * INDENT_REM}rem` }}>
                <span
                  className="wf-twisty"
                  aria-hidden="true"
                  onClick={(event) => {
                    if (row.childCount === 0) return;
                    event.stopPropagation();
                    onToggle(span.spanId);
                  }}
                >
                  {row.childCount > 0 ? (open ? '▾' : '▸') : ''}
                </span>
                <span className="wf-service" style={{ '--service': color } as CSSProperties}>
                  {span.service}
                </span>
                <span className="wf-name" title={span.name}>
                  {span.name}
                </span>
                {row.orphan ? (
                  <span className="wf-flag" title={`Its parent ${span.parentSpanId ?? ''} is not in this trace`}>
                    parent missing
                  </span>
                ) : null}
                {error ? <span className="wf-error">error</span> : null}
                {!open ? <span className="visually-hidden">, {row.childCount} folded</span> : null}
              </span>
              <span className="wf-track">
                <span className="wf-bar" style={{ left: `${start}%`, width: `max(2px, ${width}%)`, background: color }} />
                <span className="wf-time" style={end > 80 ? { right: `calc(${100 - start}% + 0.3rem)` } : { left: `calc(${end}% + 0.3rem)` }}>
                  <span className="visually-hidden">, at {duration(span.offsetMs)} for </span>
                  {duration(span.durationMs)}
                </span>
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
