import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { cart } from '@microshop/contracts';
import { testEngines, testTrust } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildApp, loadOrdersConfig } from '../src/index.js';

const trust = await testTrust();
const ada = await trust.asUser({ id: 'usr_ada', role: 'customer' });
const order = {
  shippingAddress: { name: 'Ada Lovelace', line1: '12 St James’s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'UK' },
  payment: { cardNumber: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' },
};

/** Stands in for cart and payments: answers the cart it is given and tokenizes any card. */
function standIn(answer: () => cart.Cart): Server {
  return createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const [status, body] =
        request.url === '/api/cart'
          ? [200, answer()]
          : request.url === '/internal/payment-methods'
            ? [201, { paymentMethodId: 'pm_test', brand: 'visa', last4: '4242' }]
            : [404, { status: 404 }];
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
}

for (const engine of await testEngines()) {
  describe(`checkout against what the cart answers, on ${engine.name}`, { skip: engine.skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let basket: cart.Cart;
    const server = standIn(() => basket);

    before(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      target = await engine.create('orders_checkout');
      app = await buildApp(
        loadOrdersConfig({
          ...trust.env('orders'),
          MICROSHOP_DATA_DIR: target.dataDir,
          ORDERS_DATABASE_URL: target.databaseUrl,
          MICROSHOP_UPSTREAMS: `cart=${url};payments=${url}`,
          LOG_LEVEL: 'silent',
        }),
      );
    });
    after(async () => {
      await app?.close();
      await target?.cleanup();
      await new Promise((resolve) => server.close(resolve));
    });

    let keys = 0;
    const place = () => app.inject({ method: 'POST', url: '/api/orders', headers: { ...ada, 'idempotency-key': `key-${++keys}` }, payload: order });
    const placed = async () => (await app.inject({ url: '/api/orders', headers: ada })).json().items.length;

    it('refuses with 422 a cart whose total is over the ceiling (prices rose after it was filled), storing nothing', async () => {
      basket = { items: [{ productId: 'p-big', name: 'Big', quantity: 99, unitPriceCents: 2_000_000 }], totalCents: 198_000_000, currency: 'USD' };
      const response = await place();
      assert.equal(response.statusCode, 422, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().title, 'The cart total exceeds the limit');
      assert.match(response.json().detail, /100000000 cents/);
      assert.equal(await placed(), 0);
    });

    it('refuses with 422 a cart in another currency than the shop’s, storing nothing', async () => {
      basket = { items: [{ productId: 'p-mug', name: 'Mug', quantity: 1, unitPriceCents: 100 }], totalCents: 100, currency: 'EUR' };
      const response = await place();
      assert.equal(response.statusCode, 422, response.body);
      assert.match(response.json().detail, /EUR/);
      assert.match(response.json().detail, /USD/);
      assert.equal(await placed(), 0);
    });

    it('places an order from a cart within the ceiling, in the shop currency', async () => {
      basket = { items: [{ productId: 'p-big', name: 'Big', quantity: 50, unitPriceCents: 2_000_000 }], totalCents: 100_000_000, currency: 'USD' };
      const before = await placed();
      const response = await place();
      assert.equal(response.statusCode, 202, response.body);
      assert.equal(response.json().totalCents, 100_000_000);
      assert.equal(response.json().currency, 'USD');
      assert.equal(await placed(), before + 1);
    });
  });
}
