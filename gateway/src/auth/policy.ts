/** Who may call a route: anyone, a signed-in user (customer or admin), or an admin only. */
export type Access = 'public' | 'user' | 'admin';

const READ = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The gateway's per-route policy (SPEC §5). Services check ownership themselves. */
export function accessFor(method: string, path: string): Access {
  if (path === '/api/auth/register' || path === '/api/auth/login' || path === '/.well-known/jwks.json' || path === '/api/home') return 'public';
  if (path.startsWith('/api/admin/') || path === '/api/admin') return 'admin';
  if (path === '/api/products' || path.startsWith('/api/products/') || path === '/api/categories') {
    return READ.has(method) ? 'public' : 'admin';
  }
  if (path.startsWith('/api/inventory/')) return READ.has(method) ? 'public' : 'admin';
  return 'user';
}
