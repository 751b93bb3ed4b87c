import type { operations } from '@microshop/contracts';

type Edge = operations.ServiceEdge;

export interface Point {
  x: number;
  y: number;
}
export interface NodeBox extends Point {
  name: string;
  /** Its column: how many calls or events it is from a service nothing calls. */
  layer: number;
}
export interface EdgePath {
  edge: Edge;
  /** An SVG path: a quadratic curve from the caller's box to the callee's. */
  d: string;
  /** Where its label goes: the middle of its last gap between columns, clear of the fan-out at its start. */
  label: Point;
}
export interface MapLayout {
  width: number;
  height: number;
  nodes: NodeBox[];
  edges: EdgePath[];
}

export const NODE = { width: 124, height: 36 };
const GAP = { x: 240, y: 80 };
const MARGIN = 40;

/** The point at `t` (0 to 1) along a quadratic curve. */
function along(a: Point, c: Point, b: Point, t: number): Point {
  const u = 1 - t;
  return { x: u * u * a.x + 2 * t * u * c.x + t * t * b.x, y: u * u * a.y + 2 * t * u * c.y + t * t * b.y };
}

/** Where the line from a box's centre towards `toward` leaves the box. */
function boundary(center: Point, toward: Point): Point {
  const dx = toward.x - center.x;
  const dy = toward.y - center.y;
  const scale = Math.max(Math.abs(dx) / (NODE.width / 2), Math.abs(dy) / (NODE.height / 2), 1e-9);
  return { x: center.x + dx / Math.max(scale, 1), y: center.y + dy / Math.max(scale, 1) };
}

/**
 * Services in a line with as few edges pointing back as a simple rule finds (Eades, Lin and
 * Smyth's: services nothing calls first, services that call nothing last, otherwise the one that
 * calls most more than it is called), so replies in a saga (an event back to orders) point back
 * instead of pushing the services apart.
 */
function lineUp(names: readonly string[], pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const left = new Set(names);
  const degree = (n: string, side: 0 | 1) => pairs.filter((p) => p[side] === n && left.has(p[side === 0 ? 1 : 0])).length;
  const head: string[] = [];
  const tail: string[] = [];
  while (left.size > 0) {
    const source = [...left].find((n) => degree(n, 1) === 0);
    const sink = source === undefined ? [...left].find((n) => degree(n, 0) === 0) : undefined;
    const pick =
      source ?? sink ?? [...left].sort((a, b) => degree(b, 0) - degree(b, 1) - (degree(a, 0) - degree(a, 1)) || degree(b, 0) - degree(a, 0) || a.localeCompare(b))[0] ?? '';
    left.delete(pick);
    if (sink !== undefined) tail.unshift(pick);
    else head.push(pick);
  }
  return [...head, ...tail];
}

/**
 * Services in columns: each one column right of the furthest service before it in the line-up
 * that calls it, each column ordered by its callers' positions to keep lines from crossing; edges
 * curve so a pair of services calling each other shows two lines.
 */
export function layoutServiceMap(services: readonly string[], edges: readonly Edge[]): MapLayout {
  const names = [...new Set([...services, ...edges.flatMap((e) => [e.from, e.to])])].sort();
  const pairs = [...new Map(edges.filter((e) => e.from !== e.to).map((e) => [`${e.from}>${e.to}`, [e.from, e.to] as const])).values()];
  const order = lineUp(names, pairs);
  const position = new Map(order.map((n, i) => [n, i]));
  const incoming = new Map(names.map((n) => [n, [] as string[]]));
  for (const [from, to] of pairs) if ((position.get(from) ?? 0) < (position.get(to) ?? 0)) incoming.get(to)?.push(from);
  const layer = new Map<string, number>();
  for (const n of order) layer.set(n, Math.max(0, ...(incoming.get(n) ?? []).map((m) => (layer.get(m) ?? 0) + 1)));

  const columns: string[][] = [];
  for (const n of names) (columns[layer.get(n) ?? 0] ??= []).push(n);
  const row = new Map<string, number>();
  columns.forEach((column, c) => {
    if (c > 0) {
      const weight = (n: string) => {
        const callers = (incoming.get(n) ?? []).filter((m) => (layer.get(m) ?? 0) < c).map((m) => row.get(m) ?? 0);
        return callers.length === 0 ? Number.MAX_SAFE_INTEGER : callers.reduce((a, b) => a + b, 0) / callers.length;
      };
      column.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
    }
    column.forEach((n, r) => row.set(n, r));
  });

  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const height = MARGIN * 2 + (tallest - 1) * GAP.y + NODE.height;
  const width = MARGIN * 2 + Math.max(0, columns.length - 1) * GAP.x + NODE.width;
  const nodes: NodeBox[] = [];
  columns.forEach((column, c) => {
    const top = (height - ((column.length - 1) * GAP.y)) / 2;
    column.forEach((name, r) => nodes.push({ name, layer: c, x: MARGIN + NODE.width / 2 + c * GAP.x, y: top + r * GAP.y }));
  });
  const at = new Map(nodes.map((n) => [n.name, n]));

  const paths: EdgePath[] = [];
  for (const edge of edges) {
    const from = at.get(edge.from);
    const to = at.get(edge.to);
    if (!from || !to || from === to) continue;
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const length = Math.hypot(dx, dy) || 1;
    // Bend to the left of the direction of travel: the two directions of a pair part, and lines
    // within one column bow out instead of running through the boxes between.
    const sameColumn = from.layer === to.layer;
    const twin = edges.some((e) => (e.from === edge.to && e.to === edge.from) || (e !== edge && e.from === edge.from && e.to === edge.to));
    const kindShift = edge.kind === 'event' ? 2.2 : 1;
    const bend = (sameColumn ? Math.max(46, length * 0.35) : twin ? 30 : 0) * kindShift;
    const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
    const control = { x: mid.x + (dy / length) * bend, y: mid.y - (dx / length) * bend };
    const start = boundary(from, control);
    const end = boundary(to, control);
    paths.push({
      edge,
      d: `M${start.x.toFixed(1)},${start.y.toFixed(1)} Q${control.x.toFixed(1)},${control.y.toFixed(1)} ${end.x.toFixed(1)},${end.y.toFixed(1)}`,
      label: along(start, control, end, 1 - 0.5 / Math.max(1, Math.abs(to.layer - from.layer))),
    });
  }
  return { width, height, nodes, edges: paths };
}
