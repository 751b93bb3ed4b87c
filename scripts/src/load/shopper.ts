import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Recorder, Step } from './recorder.js';

const REQUEST_TIMEOUT_MS = 10_000;
/** How long a shopper waits for an order to leave PENDING, and how often it looks. */
const SETTLE_WAIT_MS = 30_000;
const POLL_MS = 100;
const ADDRESS = { name: 'Load Shopper', line1: '1 Test Street', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' };
const CARD = { cardNumber: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' };

export interface Catalog {
  productIds: string[];
  /** Words from product names, for searches. */
  words: string[];
}

type Json = Record<string, unknown>;

class Failed extends Error {}

type Answer = { status: number; body: Json };

interface CallOptions {
  token?: string;
  body?: unknown;
  /** The statuses that are a success (200 unless said). */
  expect?: number[];
  headers?: Record<string, string>;
}

/** A path as an error names it: ids left out, so that errors group. */
const shape = (method: string, path: string) => `${method} ${(path.split('?')[0] ?? path).replace(/\/(prod|ord)[-_][\w-]+/, '/:id')}`;

/** The shop as a shopper's browser calls it: one connection pool for every virtual shopper. */
export class Shop {
  readonly #agent: Agent;

  constructor(
    readonly base: string,
    connections: number,
  ) {
    this.#agent = new Agent({ connections, keepAliveTimeout: 10_000, connect: { timeout: REQUEST_TIMEOUT_MS } });
  }

  /** One request, timed and recorded under `step`: any answer but `expect` (or a broken connection) is an error. */
  async call(recorder: Recorder, step: Step | undefined, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const began = performance.now();
    let status = 0;
    let body: Json = {};
    let error: string | undefined;
    try {
      const response = await request(`${this.base}${path}`, {
        method: method as 'GET',
        dispatcher: this.#agent,
        headers: {
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
      status = response.statusCode;
      const text = await response.body.text();
      try {
        body = (text ? JSON.parse(text) : {}) as Json;
      } catch {
        body = {};
      }
      if (!(options.expect ?? [200]).includes(status)) error = `${shape(method, path)} answered ${status}`;
    } catch (caught) {
      const code = (caught as { code?: string }).code;
      error = `${shape(method, path)}: ${code ?? (caught as Error).message}`;
    }
    if (step) recorder.record(step, performance.now() - began, error);
    if (error !== undefined) throw new Failed(error);
    return { status, body };
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

/** The products a shopper may pick, read once before the load starts. */
export async function readCatalog(shop: Shop, recorder: Recorder): Promise<Catalog> {
  const { body } = await shop.call(recorder, undefined, 'GET', '/api/products?limit=100');
  const items = (Array.isArray(body.items) ? body.items : []) as Array<{ id?: unknown; name?: unknown }>;
  const productIds = items.map((p) => p.id).filter((id): id is string => typeof id === 'string');
  if (productIds.length === 0) throw new Error(`${shop.base}/api/products lists no products: is this a Microshop?`);
  const words = [...new Set(items.flatMap((p) => (typeof p.name === 'string' ? p.name.toLowerCase().split(/[^a-z]+/) : [])).filter((w) => w.length >= 4))];
  return { productIds, words: words.length > 0 ? words : ['a'] };
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One visit: the first page, a search, two products, an account, a cart, a checkout, and the wait
 * until the order is settled. A failed step ends the visit (a shopper who sees an error leaves);
 * `stopping` tells a waiting shopper to stop waiting.
 */
export async function shopperVisit(shop: Shop, recorder: Recorder, catalog: Catalog, stopping: () => boolean): Promise<void> {
  try {
    await shop.call(recorder, 'browse', 'GET', '/api/home');
    await shop.call(recorder, 'search', 'GET', `/api/products?q=${encodeURIComponent(pick(catalog.words))}&limit=20`);
    const first = pick(catalog.productIds);
    await shop.call(recorder, 'product', 'GET', `/api/products/${encodeURIComponent(first)}`);
    await shop.call(recorder, 'product', 'GET', `/api/products/${encodeURIComponent(pick(catalog.productIds))}`);
    const id = randomUUID();
    const { body: account } = await shop.call(recorder, 'register', 'POST', '/api/auth/register', {
      body: { email: `load-${id}@example.com`, password: `load-${id.slice(0, 12)}`, name: 'Load Shopper' },
      expect: [201],
    });
    const token = String(account.token ?? '');
    await shop.call(recorder, 'cart', 'PUT', `/api/cart/items/${encodeURIComponent(first)}`, { token, body: { quantity: 1 } });
    const placedAt = performance.now();
    const { body: order } = await shop.call(recorder, 'checkout', 'POST', '/api/orders', {
      token,
      body: { shippingAddress: ADDRESS, payment: CARD },
      headers: { 'idempotency-key': id },
      expect: [202],
    });
    recorder.placed++;
    const orderId = encodeURIComponent(String(order.id ?? ''));
    for (;;) {
      await sleep(POLL_MS);
      const { body: seen } = await shop.call(recorder, undefined, 'GET', `/api/orders/${orderId}`, { token });
      if (seen.status !== 'PENDING') {
        const ms = performance.now() - placedAt;
        if (seen.status === 'CANCELLED') {
          recorder.cancelled++;
          recorder.record('confirmed', ms, `order cancelled (${String(seen.cancellationReason ?? 'no reason given')})`);
        } else {
          recorder.orderConfirmed();
          recorder.record('confirmed', ms, undefined);
        }
        return;
      }
      if (performance.now() - placedAt > SETTLE_WAIT_MS || stopping()) {
        recorder.unsettled++;
        recorder.record('confirmed', performance.now() - placedAt, `order still PENDING after ${Math.round((performance.now() - placedAt) / 1000)} s`);
        return;
      }
    }
  } catch (error) {
    if (!(error instanceof Failed)) throw error;
  }
}
