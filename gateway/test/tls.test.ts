import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { tempDir } from '@microshop/testing';
import { describe, it } from 'node:test';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { startFakeService, gatewayTrust } from './upstream-fixture.js';

const OPENSSL = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p));

describe('gateway edge: TLS and tracing', () => {
  it('terminates TLS with TLS_CERT and TLS_KEY', { skip: OPENSSL ? false : 'openssl is not installed' }, async () => {
    const dir = await tempDir('microshop-tls-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(OPENSSL as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const gateway = await buildGateway(loadGatewayConfig({ ...gatewayTrust, TLS_CERT: cert, TLS_KEY: key, LOG_LEVEL: 'silent' }));
    try {
      await gateway.listen({ port: 0, host: '127.0.0.1' });
      const address = gateway.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const status = await new Promise<number>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      assert.equal(status, 200);
    } finally {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses half a TLS configuration, naming what is missing', () => {
    assert.throws(() => loadGatewayConfig({ ...gatewayTrust, TLS_CERT: '/nowhere/cert.pem' }), /TLS_CERT needs both TLS_CERT and TLS_KEY, got only TLS_CERT/);
  });

  it('starts a trace for a request that carries none, and keeps a client’s', async () => {
    const catalog = await startFakeService('catalog');
    const gateway = await buildGateway(loadGatewayConfig({ ...gatewayTrust, MICROSHOP_UPSTREAMS: `catalog=${catalog.url}`, LOG_LEVEL: 'silent' }));
    try {
      const started = (await gateway.inject({ url: '/api/products' })).json().headers.traceparent;
      assert.match(started, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const kept = (await gateway.inject({ url: '/api/products', headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })).json().headers.traceparent;
      assert.equal(kept, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
      const invalid = (await gateway.inject({ url: '/api/products', headers: { traceparent: 'garbage' } })).json().headers.traceparent;
      assert.match(invalid, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      await gateway.close();
      await catalog.close();
    }
  });
});
