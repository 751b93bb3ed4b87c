import type { App } from '@microshop/kit';
import { request } from 'undici';
import type { Upstreams } from '@microshop/kit';
import { renderReference } from './docs-page.js';

type OpenApiDocument = {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  tags: Array<{ name: string; description?: string }>;
};

const CACHE_MS = 5_000;

/** The gateway's API reference: every reachable service's OpenAPI 3.1 document, merged. */
export function docsRoutes(app: App, upstreams: Upstreams): void {
  let cached: { at: number; doc: OpenApiDocument } | undefined;

  async function fetchDoc(url: string): Promise<Partial<OpenApiDocument> | undefined> {
    try {
      const response = await request(`${url}/openapi.json`, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return undefined;
      }
      return (await response.body.json()) as Partial<OpenApiDocument>;
    } catch {
      return undefined;
    }
  }

  async function merged(): Promise<OpenApiDocument> {
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.doc;
    const doc: OpenApiDocument = {
      openapi: '3.1.0',
      info: { title: 'Microshop API', version: '0.1.0', description: 'Every service behind the gateway, merged.' },
      paths: {},
      components: { schemas: {}, securitySchemes: {} },
      tags: [],
    };
    const missing: string[] = [];
    await Promise.all(
      [...upstreams.pools.values()].map(async (pool) => {
        const instance = pool.pick();
        const part = instance ? await fetchDoc(instance.url) : undefined;
        if (!part) {
          missing.push(pool.name);
          return;
        }
        Object.assign(doc.paths, part.paths ?? {});
        Object.assign(doc.components.schemas, part.components?.schemas ?? {});
        Object.assign(doc.components.securitySchemes, part.components?.securitySchemes ?? {});
        doc.tags.push({ name: pool.name, description: String(part.info?.description ?? '') });
      }),
    );
    doc.tags.sort((a, b) => a.name.localeCompare(b.name));
    doc.paths = Object.fromEntries(Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b)));
    if (missing.length > 0) doc.info['x-unavailable-services'] = missing.sort();
    else cached = { at: Date.now(), doc };
    return doc;
  }

  app.get('/openapi.json', async () => merged());
  app.get('/docs', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return renderReference(await merged());
  });
}
