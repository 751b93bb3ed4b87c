import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { type FakeIdentity, type FakeService, gatewayTrust, startFakeIdentity, startFakeService } from './upstream-fixture.js';

describe('gateway: unknown query parameters', () => {
  let catalog: FakeService;
  let identity: FakeIdentity;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  let webDir: string;
  let admin: Record<string, string>;

  before(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'microshop-web-'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Microshop</title>');
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'assets', 'app-1234.js'), 'console.log(1)');
    catalog = await startFakeService('catalog');
    identity = await startFakeIdentity();
    gateway = await buildGateway(
      loadGatewayConfig({
        ...gatewayTrust,
        MICROSHOP_UPSTREAMS: `catalog=${catalog.url};identity=${identity.url}`,
        LOG_LEVEL: 'silent',
        GATEWAY_WEB_DIR: webDir,
        GATEWAY_CORS_ORIGINS: 'https://shop.example',
      }),
    );
    admin = await identity.bearer({ id: 'usr_root', role: 'admin' });
  });
  after(async () => {
    await gateway?.close();
    await catalog?.close();
    await identity?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('are a 400 naming each on the gateway’s own API routes', async () => {
    for (const url of ['/api/home?x=1&y=2', '/api/admin/status?x=1&y=2', '/api/admin/overview?x=1&y=2', '/api/admin/dead-letters?x=1&y=2']) {
      const response = await gateway.inject({ url, headers: admin });
      assert.equal(response.statusCode, 400, url);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.deepEqual(
        response.json().errors.map((e: { path: string }) => e.path).sort(),
        ['query.x', 'query.y'],
        url,
      );
    }
  });

  it('come after identity: an anonymous caller of an admin route is a 401 whatever its query', async () => {
    for (const url of ['/api/admin/status?x=1', '/api/admin/overview?x=1', '/api/admin/dead-letters?x=1']) {
      assert.equal((await gateway.inject({ url })).statusCode, 401, url);
    }
  });

  it('are a 400 on the gateway’s operational routes', async () => {
    for (const url of ['/healthz?x=1', '/readyz?x=1', '/metrics?x=1', '/openapi.json?x=1']) {
      assert.equal((await gateway.inject({ url })).statusCode, 400, url);
    }
  });

  it('are left to the owning service on proxied routes', async () => {
    const response = await gateway.inject({ url: '/api/products/p-1?x=1' });
    assert.equal(response.statusCode, 200, 'the fake catalog takes any query');
    assert.equal(response.json().url, '/api/products/p-1?x=1');
  });

  it('do not break the storefront’s pages, files and pictures', async () => {
    for (const url of ['/?utm_source=mail', '/search?q=mug', '/products/p-1?ref=home', '/category/kitchen?page=2', '/assets/app-1234.js?v=2', '/images/products/prod-mug.svg?v=1']) {
      assert.equal((await gateway.inject({ url })).statusCode, 200, url);
    }
  });

  it('let a CORS preflight carry the query of the request it asks about', async () => {
    for (const url of ['/api/home?x=1', '/api/products?limit=12']) {
      const response = await gateway.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
      });
      assert.equal(response.statusCode, 204, url);
      assert.equal(response.headers['access-control-allow-origin'], 'https://shop.example');
    }
  });
});
