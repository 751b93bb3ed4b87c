import { MAX_CENTS } from '@microshop/contracts';

/** A cart line as the cart knows it: quantity chosen, name and price from its catalog copy. */
export interface CartLine {
  productId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

export function totalOf(lines: readonly CartLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

/** The cart the shopper sees: its lines and their total, in the shop currency (the only one its lines are in). */
export function summarize(lines: readonly CartLine[], currency: string) {
  return {
    items: lines.map(({ productId, name, quantity, unitPriceCents }) => ({ productId, name, quantity, unitPriceCents })),
    totalCents: totalOf(lines),
    currency,
  };
}

/** The lines after setting (not adding) `line`'s quantity. */
export function withLine(lines: readonly CartLine[], line: CartLine): CartLine[] {
  const known = lines.some((l) => l.productId === line.productId);
  return known ? lines.map((l) => (l.productId === line.productId ? line : l)) : [...lines, line];
}

/**
 * Whether a change is refused for the total: it would end over the ceiling (MAX_CENTS). A change
 * that lowers the total is always allowed, so a cart that price rises took over the ceiling can
 * be brought back under it.
 */
export function overCeiling(totalBefore: number, totalAfter: number): boolean {
  return totalAfter > MAX_CENTS && totalAfter > totalBefore;
}
