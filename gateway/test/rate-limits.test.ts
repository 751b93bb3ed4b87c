import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildGateway, loadGatewayConfig } from '../src/index.js';
import { WindowCounter } from '../src/routes/edge-limits.js';
import { type FakeIdentity, type FakeService, gatewayTrust, startFakeIdentity, startFakeService } from './upstream-fixture.js';

describe('gateway: both rate limits apply to signed-in requests', () => {
  let cart: FakeService;
  let identity: FakeIdentity;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;

  before(async () => {
    cart = await startFakeService('cart');
    identity = await startFakeIdentity();
    gateway = await buildGateway(
      loadGatewayConfig({
        ...gatewayTrust,
        MICROSHOP_UPSTREAMS: `cart=${cart.url};identity=${identity.url}`,
        LOG_LEVEL: 'silent',
        GATEWAY_RATE_LIMIT_IP: '6',
        GATEWAY_RATE_LIMIT_USER: '4',
      }),
    );
  });
  after(async () => {
    await gateway?.close();
    await cart?.close();
    await identity?.close();
  });

  const statuses = async (requests: Array<{ headers: Record<string, string>; remoteAddress: string }>) => {
    const out: number[] = [];
    for (const { headers, remoteAddress } of requests) out.push((await gateway.inject({ url: '/api/cart', headers, remoteAddress })).statusCode);
    return out;
  };

  it('counts many accounts from one address against that address', async () => {
    const accounts = await Promise.all(['usr_a', 'usr_b', 'usr_c'].map((id) => identity.bearer({ id, role: 'customer' })));
    // Three requests each: no account reaches its own limit of 4, the address passes its 6.
    const requests = [0, 1, 2].flatMap(() => accounts.map((headers) => ({ headers, remoteAddress: '10.1.0.1' })));
    assert.deepEqual(await statuses(requests), [200, 200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = await gateway.inject({ url: '/api/cart', headers: accounts[0], remoteAddress: '10.1.0.1' });
    assert.match(String(limited.headers['content-type']), /^application\/problem\+json/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });

  it('still counts one account from many addresses against the account', async () => {
    const headers = await identity.bearer({ id: 'usr_roaming', role: 'customer' });
    const requests = [1, 2, 3, 4, 5, 6].map((i) => ({ headers, remoteAddress: `10.2.0.${i}` }));
    assert.deepEqual(await statuses(requests), [200, 200, 200, 200, 429, 429]);
    const limited = await gateway.inject({ url: '/api/cart', headers, remoteAddress: '10.2.0.9' });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });

  it('says on every answer the address’s limit, what is left of it and when its window ends', async () => {
    const first = await gateway.inject({ url: '/api/cart', remoteAddress: '10.4.0.1' });
    assert.equal(first.headers['x-ratelimit-limit'], '6');
    assert.equal(first.headers['x-ratelimit-remaining'], '5');
    assert.equal(first.headers['x-ratelimit-reset'], '60');
    const second = await gateway.inject({ url: '/api/cart', remoteAddress: '10.4.0.1' });
    assert.equal(second.headers['x-ratelimit-remaining'], '4');
  });

  it('leaves other addresses and accounts alone', async () => {
    const headers = await identity.bearer({ id: 'usr_quiet', role: 'customer' });
    assert.deepEqual(await statuses([{ headers, remoteAddress: '10.3.0.1' }]), [200]);
    assert.equal((await gateway.inject({ url: '/api/cart', remoteAddress: '10.3.0.2' })).statusCode, 401, 'refused for want of a token, not limited');
  });
});

describe('gateway behind a proxy: the per-IP limit counts the client, not the proxy', () => {
  const limited = async (env: Record<string, string>) => {
    const catalog = await startFakeService('catalog');
    const gateway = await buildGateway(
      loadGatewayConfig({ ...gatewayTrust, ...env, MICROSHOP_UPSTREAMS: `catalog=${catalog.url}`, LOG_LEVEL: 'silent', GATEWAY_RATE_LIMIT_IP: '2' }),
    );
    try {
      const out: number[] = [];
      // Three shoppers, two requests each, all through one Ingress controller at 10.9.0.1.
      for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        for (let i = 0; i < 2; i++) {
          const headers = { 'x-forwarded-for': client };
          out.push((await gateway.inject({ url: '/api/products', headers, remoteAddress: '10.9.0.1' })).statusCode);
        }
      }
      return out;
    } finally {
      await gateway.close();
      await catalog.close();
    }
  };

  it('believes X-Forwarded-For only from the proxies GATEWAY_TRUSTED_PROXIES names', async () => {
    assert.deepEqual(await limited({ GATEWAY_TRUSTED_PROXIES: '10.0.0.0/8' }), [200, 200, 200, 200, 200, 200]);
    // Not trusted: every shopper is the proxy, and a client cannot pick its own address either.
    assert.deepEqual(await limited({}), [200, 200, 429, 429, 429, 429]);
  });

  it('refuses a value that is not a list of addresses or ranges', () => {
    assert.throws(() => loadGatewayConfig({ ...gatewayTrust, GATEWAY_TRUSTED_PROXIES: '10.0.0.0/33' }), /GATEWAY_TRUSTED_PROXIES must be addresses or CIDR ranges/);
    assert.throws(() => loadGatewayConfig({ ...gatewayTrust, GATEWAY_TRUSTED_PROXIES: 'ingress' }), /GATEWAY_TRUSTED_PROXIES/);
  });
});

describe('WindowCounter', () => {
  it('counts each client in a window of its own, which starts afresh once it has ended', () => {
    let now = 1_000;
    const counter = new WindowCounter(60_000, 10, () => now);
    assert.equal(counter.hit('a').count, 1);
    assert.equal(counter.hit('a').count, 2);
    assert.equal(counter.hit('b').count, 1);
    assert.equal(counter.hit('a').resetAt, 61_000, 'the window is timed from the client’s first request');
    now = 60_999;
    assert.equal(counter.hit('a').count, 4);
    now = 61_000;
    const fresh = counter.hit('a');
    assert.deepEqual({ ...fresh }, { count: 1, resetAt: 121_000 });
  });

  it('remembers at most its bound of clients: ended windows go first, then the earliest counted', () => {
    let now = 0;
    const counter = new WindowCounter(60_000, 10, () => now);
    for (let i = 0; i < 5; i++) counter.hit(`old-${i}`);
    now = 30_000;
    for (let i = 0; i < 5; i++) counter.hit(`new-${i}`);
    now = 61_000;
    counter.hit('late');
    assert.equal(counter.size, 6, 'the five ended windows were dropped to make room');
    for (let i = 0; i < 20; i++) counter.hit(`flood-${i}`);
    assert.ok(counter.size <= 10, `at most 10 remembered (${counter.size})`);
    assert.equal(counter.hit('flood-19').count, 2, 'the latest are kept');
  });
});
