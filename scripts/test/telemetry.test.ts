import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningProcess, startChild, tempDir, waitForShop } from '@microshop/testing';

// The standard OpenTelemetry variables on the real system: spans go to any OTLP/HTTP collector
// (here a stand-in that records what it is sent) as well as to the built-in store; log lines
// name their trace; OTEL_SDK_DISABLED turns it all off.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START = join(root, 'scripts', 'dist', 'src', 'start.js');
const ADMIN = { email: 'admin@microshop.local', password: 'admin-password-1' };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Export {
  path: string;
  contentType: string;
  body: Json;
}

/** An OTLP/HTTP collector stand-in: answers every export 200 and keeps it. */
async function startCollector(): Promise<{ server: Server; url: string; exports: Export[] }> {
  const exports: Export[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      exports.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: JSON.parse(text) as Json });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports };
}

const spansOf = (exports: Export[]): Json[] =>
  exports.flatMap((e) =>
    (e.body.resourceSpans as Json[]).flatMap((rs) => {
      const service = (rs.resource.attributes as Json[]).find((a) => a.key === 'service.name')?.value.stringValue as string;
      return (rs.scopeSpans as Json[]).flatMap((ss) => (ss.spans as Json[]).map((span): Json => ({ ...span, service })));
    }),
  );

async function startShop(env: Record<string, string>): Promise<{ runner: RunningProcess; base: string; dataDir: string }> {
  const dataDir = await tempDir();
  const runner = startChild(process.execPath, [START], {
    env: { PORT: '0', HOST: '127.0.0.1', MICROSHOP_DATA_DIR: dataDir, MICROSHOP_ADMIN_PASSWORD: ADMIN.password, MICROSHOP_LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
  });
  return { runner, base: await waitForShop(runner, 60_000), dataDir };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The JSON log lines a process of the runner wrote (the runner prefixes each with the process name). */
function logLines(output: string): Json[] {
  return output.split('\n').flatMap((line) => {
    const start = line.indexOf('{');
    if (start < 0) return [];
    try {
      return [JSON.parse(line.slice(start)) as Json];
    } catch {
      return [];
    }
  });
}

describe('OpenTelemetry export with the standard variables', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let shop: Awaited<ReturnType<typeof startShop>>;

  before(async () => {
    collector = await startCollector();
    shop = await startShop({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
  });
  after(async () => {
    await shop?.runner.stop();
    collector?.server.close();
    if (shop) await rm(shop.dataDir, { recursive: true, force: true });
  });

  it('exports the spans of a request to the collector, and keeps them in the built-in store too', async () => {
    const response = await fetch(`${shop.base}/api/products?limit=3`);
    assert.equal(response.status, 200);
    const traceId = response.headers.get('x-trace-id') ?? '';
    assert.match(traceId, /^[0-9a-f]{32}$/);

    const exported = await until('the catalog and gateway spans at the collector', () => {
      const spans = spansOf(collector.exports).filter((span) => span.traceId === traceId);
      return spans.some((s) => s.service === 'gateway') && spans.some((s) => s.service === 'catalog' && s.kind === 2) ? spans : undefined;
    });
    assert.ok(collector.exports.every((e) => e.path === '/v1/traces' && e.contentType.startsWith('application/json')), 'OTLP/HTTP at /v1/traces');
    const gateway = exported.find((s) => s.service === 'gateway') as Json;
    const catalog = exported.find((s) => s.service === 'catalog' && s.kind === 2) as Json;
    assert.equal(gateway.name, 'GET /api/products');
    assert.equal(gateway.parentSpanId ?? '', '', 'the gateway starts the trace');
    assert.equal(catalog.parentSpanId, gateway.spanId, 'the catalog continues it');
    assert.equal(catalog.name, 'GET /api/products');

    // The same trace in the built-in store, for an admin.
    const token = ((await (await fetch(`${shop.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()) as Json).token;
    const stored = await until('the trace in the built-in store', async () => {
      const answer = await fetch(`${shop.base}/api/admin/traces/${traceId}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await answer.json()) as Json;
      return answer.status === 200 && (body.spans as Json[]).some((s) => s.service === 'catalog') ? body : undefined;
    });
    assert.deepEqual([...new Set((stored.spans as Json[]).map((s) => s.service))].sort(), ['catalog', 'gateway']);
  });

  it('traces the home page’s fan-out: the gateway’s calls are children of its span, and the catalog’s of those', async () => {
    const response = await fetch(`${shop.base}/api/home`);
    assert.equal(response.status, 200);
    const traceId = response.headers.get('x-trace-id');
    const spans = await until('the fan-out’s spans', () => {
      const found = spansOf(collector.exports).filter((span) => span.traceId === traceId);
      return found.filter((s) => s.service === 'catalog' && s.kind === 2).length >= 2 ? found : undefined;
    });
    const root = spans.find((s) => s.service === 'gateway' && s.kind === 2) as Json;
    assert.equal(root.name, 'GET /api/home');
    const calls = spans.filter((s) => s.service === 'gateway' && s.kind === 3);
    assert.deepEqual(calls.map((s) => s.name).sort(), ['GET /api/categories', 'GET /api/products']);
    for (const call of calls) {
      assert.equal(call.parentSpanId, root.spanId, `${call.name} is the request's child`);
      assert.ok(spans.some((s) => s.service === 'catalog' && s.kind === 2 && s.parentSpanId === call.spanId), `the catalog answers ${call.name} within it`);
    }
  });

  it('writes trace_id and span_id on the log lines of a request', async () => {
    const response = await fetch(`${shop.base}/api/categories`);
    const traceId = response.headers.get('x-trace-id');
    const lines = await until('the access log lines of the request', () => {
      const found = logLines(shop.runner.output()).filter((line) => line.trace_id === traceId && line.msg === 'request completed');
      return found.some((l) => l.service === 'gateway') && found.some((l) => l.service === 'catalog') ? found : undefined;
    });
    for (const line of lines) assert.match(line.span_id, /^[0-9a-f]{16}$/, `${line.service} names its span`);
    const spans = await until('the spans of the request', () => {
      const found = spansOf(collector.exports).filter((span) => span.traceId === traceId);
      return found.length >= 2 ? found : undefined;
    });
    const catalogLine = lines.find((l) => l.service === 'catalog');
    assert.ok(spans.some((span) => span.service === 'catalog' && span.spanId === catalogLine?.span_id), 'the line names the span that handled it');
  });

  it('samples each operation at its rate under the default sampler, keeping a trace whole or not at all', async () => {
    // 40 requests of one operation at once, each flagged sampled by its client: the gateway keeps
    // its burst (10) and the rate (0.25/s) after it, whatever the flag says; the others are recorded
    // nowhere, since the services follow the gateway's decision. Then 15 home pages, whose fan-out
    // past the burst must not start traces of their own at the catalog.
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      const traceId = `${'5a'.repeat(12)}${i.toString(16).padStart(8, '0')}`;
      const response = await fetch(`${shop.base}/api/products/no-such-product-${i}`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      assert.equal(response.status, 404);
      await response.arrayBuffer();
      assert.equal(response.headers.get('x-trace-id'), traceId, 'the client’s trace id is kept, recorded or not');
      sent.push(traceId);
    }
    const homes: string[] = [];
    for (let i = 0; i < 15; i++) {
      const response = await fetch(`${shop.base}/api/home`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
      homes.push(response.headers.get('x-trace-id') ?? '');
    }
    const ours = new Set([...sent, ...homes]);
    // Spans arrive from two processes in batches: wait until every trace seen is whole.
    const whole = await until('every recorded trace whole at the collector', () => {
      const spans = spansOf(collector.exports).filter((span) => ours.has(span.traceId));
      const byGateway = new Set(spans.filter((s) => s.service === 'gateway').map((s) => s.traceId as string));
      const seen = new Set(spans.map((s) => s.traceId as string));
      const complete = [...byGateway].every((id) => spans.some((s) => s.traceId === id && s.service === 'catalog'));
      return complete && seen.size === byGateway.size && sent.filter((id) => byGateway.has(id)).length >= 10 ? byGateway : undefined;
    });
    const recorded = sent.filter((id) => whole.has(id));
    assert.ok(recorded.length < 30, `${recorded.length} of 40 recorded`);
    assert.deepEqual(recorded.slice(0, 10), sent.slice(0, 10), 'the first ten, the burst, are all recorded');
    assert.ok(homes.filter((id) => whole.has(id)).length < 15, 'some home pages were past the rate');
    const roots = spansOf(collector.exports).filter((s) => s.service === 'catalog' && s.kind === 2 && !s.parentSpanId);
    assert.deepEqual(roots.map((s) => s.name), [], 'the catalog starts no trace of its own from a request the gateway did not record');
  });

  it('keeps health checks and scrapes out of the traces', async () => {
    const before = spansOf(collector.exports).length;
    await fetch(`${shop.base}/healthz`);
    await fetch(`${shop.base}/readyz`);
    await fetch(`${shop.base}/metrics`);
    await new Promise((r) => setTimeout(r, 1_000));
    const after = spansOf(collector.exports).slice(before);
    assert.deepEqual(after.filter((span) => /healthz|readyz|metrics/.test(span.name)).map((s) => `${s.service}: ${s.name}`), []);
  });
});

describe('OTEL_SDK_DISABLED=true', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let shop: Awaited<ReturnType<typeof startShop>>;

  before(async () => {
    collector = await startCollector();
    shop = await startShop({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_SDK_DISABLED: 'true' });
  });
  after(async () => {
    await shop?.runner.stop();
    collector?.server.close();
    if (shop) await rm(shop.dataDir, { recursive: true, force: true });
  });

  it('records no span anywhere, and still names a trace id for each request', async () => {
    const response = await fetch(`${shop.base}/api/products?limit=3`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('x-trace-id') ?? '', /^[0-9a-f]{32}$/);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(collector.exports, []);
  });
});
