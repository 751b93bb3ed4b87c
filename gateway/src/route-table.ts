/** Which service owns which public path (SPEC §1). The gateway routes by prefix, never rewriting. */
export const ROUTE_TABLE: ReadonlyArray<{ prefix: string; service: string }> = [
  { prefix: '/api/auth', service: 'identity' },
  { prefix: '/.well-known/jwks.json', service: 'identity' },
  { prefix: '/api/products', service: 'catalog' },
  { prefix: '/api/categories', service: 'catalog' },
  { prefix: '/api/cart', service: 'cart' },
  { prefix: '/api/orders', service: 'orders' },
  { prefix: '/api/inventory', service: 'inventory' },
  { prefix: '/api/payments', service: 'payments' },
  { prefix: '/api/deliveries', service: 'shipping' },
  { prefix: '/api/notifications', service: 'notifications' },
];

export const SERVICES = ['identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'] as const;

/** The owning service of `path` (a URL path without the query), or undefined. */
export function serviceFor(path: string): string | undefined {
  for (const { prefix, service } of ROUTE_TABLE) {
    if (path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`)) return service;
  }
  return undefined;
}
