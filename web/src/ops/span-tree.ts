import type { operations } from '@microshop/contracts';

type Span = operations.SpanView;

/** A span in the waterfall's order (each parent before its children), with its depth in the tree. */
export interface SpanRow {
  span: Span;
  depth: number;
  /** It names a parent that is not in the trace (not yet arrived, dropped, or recorded elsewhere). */
  orphan: boolean;
  childCount: number;
  /** The span ids from its top-level ancestor down to its parent. */
  ancestors: string[];
}

/**
 * Orders a trace's spans as a tree, depth first, children by start time: roots and orphans at the
 * top level. A malformed trace (a parent loop) still shows every span exactly once.
 */
export function spanRows(spans: readonly Span[]): SpanRow[] {
  const byStart = [...spans].sort((a, b) => a.offsetMs - b.offsetMs);
  const ids = new Set(byStart.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  for (const span of byStart) {
    if (span.parentSpanId === null || !ids.has(span.parentSpanId)) continue;
    const list = children.get(span.parentSpanId) ?? [];
    list.push(span);
    children.set(span.parentSpanId, list);
  }
  const rows: SpanRow[] = [];
  const seen = new Set<string>();
  const visit = (span: Span, depth: number, orphan: boolean, ancestors: string[]) => {
    if (seen.has(span.spanId)) return;
    seen.add(span.spanId);
    const kids = children.get(span.spanId) ?? [];
    rows.push({ span, depth, orphan, childCount: kids.length, ancestors });
    for (const kid of kids) visit(kid, depth + 1, false, [...ancestors, span.spanId]);
  };
  for (const span of byStart) {
    if (span.parentSpanId === null) visit(span, 0, false, []);
    else if (!ids.has(span.parentSpanId)) visit(span, 0, true, []);
  }
  // Only spans caught in a parent loop are left: shown at the top level, marked like orphans.
  for (const span of byStart) visit(span, 0, true, []);
  return rows;
}

/** The trace's extent in milliseconds from its first span's start to its last span's end. */
export function traceDuration(spans: readonly Span[]): number {
  return spans.reduce((end, s) => Math.max(end, s.offsetMs + s.durationMs), 0);
}

/** Rows whose ancestors are all expanded. */
export function visibleRows(rows: readonly SpanRow[], collapsed: ReadonlySet<string>): SpanRow[] {
  if (collapsed.size === 0) return [...rows];
  return rows.filter((row) => !row.ancestors.some((id) => collapsed.has(id)));
}

/** An attribute's value as text: arrays as a comma-separated list. */
export function attributeText(value: Span['attributes'][string]): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}
