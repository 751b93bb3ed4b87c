import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { acceptAnyQuery, type App } from '@microshop/kit';
import { landingRoute } from './landing.js';

/** Paths the storefront and dashboard answer in the browser; the gateway sends the app for each. */
const PAGES = ['/', '/ops', '/cart', '/checkout', '/signin', '/register', '/orders', '/orders/:id', '/notifications', '/search', '/category/:id', '/products/:id'];

const PALETTES = [
  ['#e9eeff', '#2f5bea'],
  ['#fdf1dc', '#d9822b'],
  ['#e3f5ec', '#17845b'],
  ['#fbe8ef', '#c2416b'],
  ['#ece8fb', '#6b4fd8'],
  ['#e4f3f8', '#1f7a99'],
] as const;

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A picture for a product or category that has none: its initials on a soft colour picked from
 * its id, with a few shapes placed by the same hash. Deterministic, so it caches well.
 */
export function placeholderSvg(id: string, label: string, shape: 'wide' | 'square' = 'wide'): string {
  const h = hash(id);
  const [background, foreground] = PALETTES[h % PALETTES.length] ?? PALETTES[0];
  const initials = label
    .split(/[\s-]+/)
    .filter((w) => /^[a-z]/i.test(w))
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join('');
  const [width, height, fontSize] = shape === 'wide' ? [320, 240, 64] : [120, 120, 48];
  const cx = Math.round(width * (0.2 + ((h % 60) / 100)));
  const cy = Math.round(height * (0.2 + (((h >>> 8) % 60) / 100)));
  const r = Math.round(height * (0.2 + (((h >>> 16) % 25) / 100)));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}">
<rect width="${width}" height="${height}" rx="${shape === 'square' ? 24 : 0}" fill="${background}"/>
<circle cx="${cx}" cy="${cy}" r="${r}" fill="${foreground}" opacity=".10"/>
<circle cx="${width - cx / 2}" cy="${height - cy / 3}" r="${Math.round(r / 1.6)}" fill="${foreground}" opacity=".08"/>
<text x="${width / 2}" y="${height / 2 + fontSize * 0.36}" text-anchor="middle" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="${fontSize}" font-weight="700" fill="${foreground}">${initials}</text>
</svg>`;
}

/** `prod-bamboo-cutting-board` → `Bamboo Cutting Board` (good enough for initials). */
function labelOf(id: string): string {
  return id.replace(/^prod-/, '').replace(/-/g, ' ');
}

/**
 * The browser side: the built app from `webDir` (hashed assets cached for a year, served
 * pre-compressed), the app's page paths, and generated product and category pictures. Without
 * a build, `/` is a page of links instead. Unlike the API, these take any query string: the
 * storefront reads its own (`/search?q=`), and links from elsewhere carry tags and cache-busters.
 */
export async function webRoutes(app: App, webDir: string): Promise<void> {
  await app.register(async (browser) => {
    acceptAnyQuery(browser);
    await browserRoutes(browser, webDir);
  });
}

async function browserRoutes(app: App, webDir: string): Promise<void> {
  for (const kind of ['products', 'categories'] as const) {
    app.get<{ Params: { file: string } }>(`/images/${kind}/:file`, async (request, reply) => {
      const match = /^([a-z0-9][a-z0-9-]{0,63})\.svg$/.exec(request.params.file);
      if (!match) return reply.callNotFound();
      const id = match[1] ?? '';
      reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400');
      return placeholderSvg(id, labelOf(id), kind === 'products' ? 'wide' : 'square');
    });
  }
  if (!existsSync(join(webDir, 'index.html'))) {
    app.log.warn({ webDir }, 'no storefront build found: serving a page of links at /');
    landingRoute(app);
    return;
  }
  await app.register(fastifyStatic, {
    root: webDir,
    prefix: '/',
    wildcard: false,
    index: false,
    preCompressed: true,
    // Assets carry a content hash in their names: they never change, so browsers keep them.
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  for (const page of PAGES) {
    app.get(page, async (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  }
}
