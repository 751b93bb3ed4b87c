/**
 * One colour per service, the same in the waterfall, its legend and the service map. Colour is
 * never the only cue: every bar and node is also labelled with its service's name.
 */
const KNOWN: Record<string, string> = {
  gateway: '#2f5bea',
  identity: '#7b4bd6',
  catalog: '#0f8b8d',
  cart: '#d9822b',
  orders: '#1f9d55',
  inventory: '#b5478f',
  payments: '#c9a227',
  shipping: '#3a8fd6',
  notifications: '#8a6d3b',
};
const SPARE = ['#5c6bc0', '#00897b', '#ef6c00', '#6d4c41', '#546e7a', '#ad1457', '#558b2f', '#4527a0'];

export function serviceColor(service: string): string {
  const known = KNOWN[service];
  if (known) return known;
  let hash = 0;
  for (const char of service) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return SPARE[hash % SPARE.length] ?? '#69708a';
}
