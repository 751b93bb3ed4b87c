import { escapeHtml } from '@microshop/kit';

/** A server-rendered API reference: no script, readable in any browser and in curl. */

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Record<string, unknown>; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function schemaText(schema: unknown): string {
  return escapeHtml(JSON.stringify(schema, null, 2));
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${escapeHtml(
          (p.schema?.type as string | undefined) ?? '',
        )}</code> ${escapeHtml(p.description ?? p.schema?.description ?? '')}</td></tr>`,
    )
    .join('');
  const body = op.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const schema = Object.values(r.content ?? {})[0]?.schema;
      return `<li><b>${escapeHtml(status)}</b> ${escapeHtml(r.description ?? '')}${schema ? `<details><summary>schema</summary><pre>${schemaText(schema)}</pre></details>` : ''}</li>`;
    })
    .join('');
  return `<section class="op"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? '')}</p>
${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th></tr>${params}</table>` : ''}
${body ? `<details><summary>request body</summary><pre>${schemaText(body)}</pre></details>` : ''}
${responses ? `<ul>${responses}</ul>` : ''}</section>`;
}

export function renderReference(doc: { info: Record<string, unknown>; paths: Record<string, unknown> }): string {
  const groups = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      groups.set(tag, [...(groups.get(tag) ?? []), renderOperation(method, path, op)]);
    }
  }
  const missing = (doc.info['x-unavailable-services'] as string[] | undefined) ?? [];
  const sections = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tag, ops]) => `<h2 id="${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.join('')}`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Microshop API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;color:#1d2330}
.op{border:1px solid #dde;border-radius:8px;padding:.25rem 1rem;margin:.75rem 0}.m{display:inline-block;min-width:4rem;font-size:.8rem;padding:.1rem .4rem;border-radius:4px;color:#fff;text-align:center}
.get{background:#2b7a4b}.post{background:#2456a6}.put,.patch{background:#a66b00}.delete{background:#b3261e}
table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.2rem .6rem;text-align:left}pre{background:#f6f7f9;padding:.5rem;overflow:auto}
.warn{background:#fff4e5;padding:.5rem 1rem;border-radius:6px}</style></head><body>
<h1>Microshop API reference</h1><p>Every route below is served through the gateway. The merged OpenAPI 3.1 document is at <a href="/openapi.json">/openapi.json</a>.</p>
${missing.length ? `<p class="warn">Not listed because they are unavailable right now: ${missing.map(escapeHtml).join(', ')}.</p>` : ''}
${sections || '<p>No service is reachable.</p>'}</body></html>`;
}
