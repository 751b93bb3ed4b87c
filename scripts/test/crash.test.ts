import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningProcess, startChild, tempDir, waitForShop } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';

// SIGKILL orders, inventory and payments while shoppers check out: every order still ends,
// nobody is charged twice, and the stock adds up.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START = join(root, 'scripts', 'dist', 'src', 'start.js');
const ADDRESS = { name: 'Ada', line1: '1 Main St', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' };
const FINAL = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED']);
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('shop under crashes', () => {
  let runner: RunningProcess;
  let base: string;
  let dataDir: string;

  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as Json };
    } catch {
      return { status: 0, body: {} as Json };
    }
  };
  /**
   * What `read` gives once it equals `wanted`, or its last answer after 30 s: some of what the
   * test checks follows from events that a restarted service may get after the orders are final.
   */
  const settled = async <T>(read: () => Promise<T>, wanted: T): Promise<T> => {
    const deadline = Date.now() + 30_000;
    let value = await read();
    while (value !== wanted && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      value = await read();
    }
    return value;
  };
  const latestPid = (instance: string) => {
    const pids = [...runner.output().matchAll(new RegExp(`${instance} started \\(pid (\\d+)`, 'g'))].map((m) => Number(m[1]));
    return pids.at(-1);
  };

  before(async () => {
    dataDir = await tempDir();
    runner = startChild(process.execPath, [START], {
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        MICROSHOP_DATA_DIR: dataDir,
        MICROSHOP_TIME_SCALE: '100',
        // Six shoppers on one address can use up its 1,200 requests a minute: this test is about crashes, not limits.
        MICROSHOP_RATE_LIMIT: 'off',
        MICROSHOP_ADMIN_PASSWORD: 'admin-password-1',
        LOG_LEVEL: 'warn',
        MICROSHOP_LOG_FORMAT: 'json',
      },
    });
    base = await waitForShop(runner, 60_000);
  });
  after(async () => {
    await runner?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes every order, charges nobody twice and keeps stock consistent', async () => {
    const admin = (await call('POST', '/api/auth/login', undefined, { email: 'admin@microshop.local', password: 'admin-password-1' })).body.token as string;
    const products = ((await call('GET', '/api/products?limit=2')).body.items as Json[]).map((p) => p.id as string);
    const STOCK = 40;
    for (const id of products) assert.equal((await call('PUT', `/api/inventory/${id}`, admin, { available: STOCK })).status, 200);
    const shoppers = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => (await call('POST', '/api/auth/register', undefined, { email: `crash${i}@example.com`, password: 'password-123', name: `Crash ${i}` })).body.token as string),
    );

    let stop = false;
    const killer = (async () => {
      for (const [delay, instance] of [
        [300, 'orders-1'],
        [500, 'inventory-1'],
        [500, 'payments-1'],
        [600, 'orders-1'],
        [400, 'inventory-1'],
      ] as const) {
        await new Promise((r) => setTimeout(r, delay));
        const pid = latestPid(instance);
        if (pid) process.kill(pid, 'SIGKILL');
      }
    })();

    let accepted = 0;
    // Keep shopping until the kills are over and enough orders went through (bounded in time).
    const hardStop = Date.now() + 60_000;
    void killer.then(async () => {
      while (accepted < 12 && Date.now() < hardStop) await new Promise((r) => setTimeout(r, 50));
      stop = true;
    });
    await Promise.all(
      shoppers.map(async (token, s) => {
        for (let n = 0; !stop; n++) {
          const product = products[(s + n) % products.length] as string;
          const put = await call('PUT', `/api/cart/items/${product}`, token, { quantity: 1 + (n % 2) });
          if (put.status !== 200) continue;
          const card = (s + n) % 4 === 0 ? '4000000000000002' : '4242424242424242';
          const placed = await call('POST', '/api/orders', token, { shippingAddress: ADDRESS, payment: { cardNumber: card, expMonth: 12, expYear: 2099, cvc: '123' } }, {
            'idempotency-key': `crash-${s}-${n}`,
          });
          if (placed.status === 202) accepted++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
    await killer;
    assert.ok(accepted >= 12, `only ${accepted} orders were accepted`);
    assert.match(runner.output(), /orders-1 \(pid \d+\) killed by SIGKILL; restarting/);

    // Every order any shopper has (accepted or cut off mid-answer) reaches a final state.
    const orders: Json[] = [];
    for (const token of shoppers) {
      const all = await (async () => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const list = await call('GET', '/api/orders', token);
          const items = (list.body.items ?? []) as Json[];
          if (list.status === 200 && items.every((o) => FINAL.has(o.status))) return items;
          if (Date.now() > deadline) throw new Error(`orders still open: ${JSON.stringify(items.filter((o) => !FINAL.has(o.status)).map((o) => o.id))}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      for (const order of all) orders.push({ ...order, token });
    }
    assert.ok(orders.length >= accepted);

    // Nobody is charged twice; confirmed orders are charged once, cancelled ones not at all (a
    // capture of an order cancelled meanwhile is refunded once payments has the cancellation).
    for (const order of orders) {
      const captures = async () => {
        const payments = ((await call('GET', `/api/payments?orderId=${order.id}`, order.token)).body.items ?? []) as Json[];
        assert.ok(payments.length <= 1, `order ${order.id} has ${payments.length} payments`);
        return payments.filter((p) => p.status === 'CAPTURED').length;
      };
      const wanted = order.status === 'CANCELLED' ? 0 : 1;
      const captured = await settled(captures, wanted);
      assert.equal(captured, wanted, `order ${order.id} (${order.status}) captured ${captured}`);
    }

    // Stock adds up: what is left is what was there minus what live orders took. An order is
    // final in orders before inventory has its cancellation (an event, perhaps waiting for a
    // restarted inventory): the stock is asked until it agrees.
    for (const id of products) {
      const taken = orders
        .filter((o) => o.status !== 'CANCELLED')
        .flatMap((o) => o.items as Json[])
        .filter((item) => item.productId === id)
        .reduce((sum, item) => sum + item.quantity, 0);
      const left = await settled(async () => (await call('GET', `/api/inventory/${id}`)).body.available as number, STOCK - taken);
      assert.equal(left, STOCK - taken, `stock of ${id}`);
    }
  });
});
