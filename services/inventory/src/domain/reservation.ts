/** One product's part of an order. */
export interface Line {
  productId: string;
  quantity: number;
}

/** Lines for the same product merged, so one order reserves each product once. */
export function mergeLines(lines: readonly Line[]): Line[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  return [...merged.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([productId, quantity]) => ({ productId, quantity }));
}

/** The products `available` cannot cover; empty means the whole order can be reserved. */
export function shortages(lines: readonly Line[], available: ReadonlyMap<string, number>): string[] {
  return lines.filter((line) => (available.get(line.productId) ?? 0) < line.quantity).map((line) => line.productId);
}
