/** A cart line as the cart knows it: quantity chosen, name and price from its catalog copy. */
export interface CartLine {
  productId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

export const DEFAULT_CURRENCY = 'USD';

/** The cart the shopper sees: its lines and their total. */
export function summarize(lines: readonly CartLine[]) {
  return {
    items: lines.map(({ productId, name, quantity, unitPriceCents }) => ({ productId, name, quantity, unitPriceCents })),
    totalCents: lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0),
    currency: lines[0]?.currency ?? DEFAULT_CURRENCY,
  };
}
