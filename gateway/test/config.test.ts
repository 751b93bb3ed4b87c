import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadGatewayConfig, parseUpstreams, serviceFor } from '../src/index.js';

describe('parseUpstreams', () => {
  it('reads services and their instance URLs', () => {
    assert.deepEqual(parseUpstreams('catalog=http://127.0.0.1:4001,http://127.0.0.1:4002/; orders=http://orders:8080'), {
      catalog: ['http://127.0.0.1:4001', 'http://127.0.0.1:4002'],
      orders: ['http://orders:8080'],
    });
    assert.deepEqual(parseUpstreams(undefined), {});
  });

  it('rejects entries it cannot read, naming the variable', () => {
    assert.throws(
      () => loadGatewayConfig({ MICROSHOP_UPSTREAMS: 'http://nameless:1' }),
      /MICROSHOP_UPSTREAMS has an entry without a service name/,
    );
    assert.throws(() => loadGatewayConfig({ MICROSHOP_UPSTREAMS: 'catalog=ftp://x' }), /MICROSHOP_UPSTREAMS needs http\(s\) URLs/);
    assert.throws(() => loadGatewayConfig({ PORT: '99999' }), /PORT must be at most 65535/);
  });
});

describe('serviceFor', () => {
  it('routes by prefix as SPEC §1 says', () => {
    assert.equal(serviceFor('/api/products'), 'catalog');
    assert.equal(serviceFor('/api/products/p-1'), 'catalog');
    assert.equal(serviceFor('/api/categories'), 'catalog');
    assert.equal(serviceFor('/api/auth/login'), 'identity');
    assert.equal(serviceFor('/.well-known/jwks.json'), 'identity');
    assert.equal(serviceFor('/api/deliveries/o-1'), 'shipping');
    assert.equal(serviceFor('/api/cart/items/p-1'), 'cart');
    assert.equal(serviceFor('/api/productsx'), undefined, 'a prefix matches whole segments only');
    assert.equal(serviceFor('/api/unknown'), undefined);
  });
});
