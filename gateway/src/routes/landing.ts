import type { App } from '@microshop/kit';

/** The front page until the storefront is built: where things are. */
export function landingRoute(app: App): void {
  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Microshop</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2330}</style></head>
<body><h1>Microshop</h1><p>The API gateway is running. Start here:</p><ul>
<li><a href="/api/products">/api/products</a> - the catalog</li>
<li><a href="/api/categories">/api/categories</a> - categories</li>
<li><a href="/docs">/docs</a> - API reference</li>
<li><a href="/readyz">/readyz</a> - readiness of every service</li>
<li><a href="/metrics">/metrics</a> - Prometheus metrics</li></ul></body></html>`;
  });
}
