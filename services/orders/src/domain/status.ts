export type Status = 'PENDING' | 'CONFIRMED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

/** The order's life: PENDING → CONFIRMED → SHIPPED → DELIVERED, or PENDING → CANCELLED. */
const NEXT: Record<Status, readonly Status[]> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['SHIPPED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
};

/** Whether `from` may become `to`; a late or repeated event asking for anything else is ignored. */
export function canMove(from: Status, to: Status): boolean {
  return NEXT[from].includes(to);
}
