import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openPrivateSqlite } from '@microshop/data';
import { createPostgresDatabase, freePort, type RunningProcess, startChild, startNatsServer, tempDir, waitForShop } from '@microshop/testing';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SERVICES = ['identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'];
const ADMIN_PASSWORD = 'chaos-admin-1';
const ADDRESS = { name: 'Chaos Monkey', line1: '1 Main St', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' };
const CARD = { cardNumber: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' };
/** Where an order's saga ends: delivered by the drone, or cancelled. */
const FINAL = new Set(['DELIVERED', 'CANCELLED']);
const PAID = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);
/** A payment the provider has been asked about and that has no settled outcome yet. */
const UNSETTLED = new Set(['PENDING', 'CAPTURING', 'REFUNDING']);

export type Stack = 'embedded' | 'nats-postgres';

interface Placed {
  id: string;
  token: string;
  placedAt: number;
  /** When it was first seen delivered or cancelled. */
  settledAt?: number;
  status?: string;
}

/** What one scenario did to the shop, as its scorecard row says. */
export interface Score {
  accepted: number;
  completed: number;
  lost: number;
  chargedTwice: number;
  stockDrift: number;
  failedRequests: number;
  /** From the fault (or its end) to the first order placed after it that completed; undefined: none did. */
  recoverMs: number | undefined;
  notes: string[];
}

/**
 * The whole shop as `npm start` runs it (on NATS and PostgreSQL, a private nats-server the suite
 * may stop, and databases of its own), with shoppers who keep checking out while faults happen.
 */
export class ChaosShop {
  base = '';
  dataDir = '';
  namespace = `chaos${process.pid}`;
  runner!: RunningProcess;
  nats: ReturnType<typeof startNatsServer> | undefined;
  natsStore = '';
  readonly databases = new Map<string, Awaited<ReturnType<typeof createPostgresDatabase>>>();
  #admin = '';
  #products: string[] = [];
  #shoppers: string[] = [];
  #stopped = new Set<number>();
  /** Every order seen so far, by id: the audit looks for orders nobody was told of. */
  readonly #known = new Set<string>();
  /** Charges no payment accounts for, already counted: the ledger is read whole for every scenario. */
  readonly #unaccounted = new Set<string>();

  constructor(
    private readonly root: string,
    readonly stack: Stack,
  ) {}

  async start(shoppers: number): Promise<void> {
    this.dataDir = await tempDir('microshop-chaos-');
    const env: Record<string, string> = {
      PORT: '0',
      HOST: '127.0.0.1',
      MICROSHOP_DATA_DIR: this.dataDir,
      MICROSHOP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      MICROSHOP_RATE_LIMIT: 'off',
      MICROSHOP_TIME_SCALE: '60',
      LOG_LEVEL: 'warn',
      MICROSHOP_LOG_FORMAT: 'json',
    };
    if (this.stack === 'nats-postgres') {
      this.natsStore = await tempDir('microshop-chaos-nats-');
      await this.startBroker(await freePort());
      for (const service of SERVICES) {
        const database = await createPostgresDatabase(`chaos_${service}`);
        this.databases.set(service, database);
        env[`${service.toUpperCase()}_DATABASE_URL`] = database.url;
      }
      env.MICROSHOP_BUS = this.nats?.url ?? '';
      env.MICROSHOP_BUS_NAMESPACE = this.namespace;
    }
    this.runner = startChild(process.execPath, [join(this.root, 'scripts', 'dist', 'src', 'start.js')], { env, stdin: true });
    this.base = await waitForShop(this.runner, 90_000);
    this.#admin = (await this.call('POST', '/api/auth/login', undefined, { email: 'admin@microshop.local', password: ADMIN_PASSWORD })).body.token;
    this.#products = ((await this.call('GET', '/api/products?limit=6')).body.items as Json[]).map((p) => p.id as string);
    for (const id of this.#products) await this.call('PUT', `/api/inventory/${id}`, this.#admin, { available: 1_000_000 });
    this.#shoppers = [];
    for (let i = 0; i < shoppers; i++) {
      const email = `chaos${i}@example.com`;
      this.#shoppers.push((await this.call('POST', '/api/auth/register', undefined, { email, password: 'password-123', name: `Chaos ${i}` })).body.token);
    }
    // The cart learns prices from catalog events: wait until it knows every product.
    for (const id of this.#products) {
      while ((await this.call('PUT', `/api/cart/items/${id}`, this.#shoppers[0], { quantity: 1 })).status !== 200) await sleep(50);
    }
    await this.call('DELETE', '/api/cart', this.#shoppers[0]);
  }

  /**
   * The simulated provider's ledger, read from payments' database: successful charges and refunds
   * per order (a charge's idempotency key is its payment's id, a refund's that id and `:refund`),
   * and how many charges no payment row accounts for that no earlier scenario counted.
   */
  async #providerCharges(): Promise<{ byOrder: Map<string, { charges: number; refunds: number }>; unknown: number }> {
    const ledgerSql = 'select idempotency_key as key, operation from provider_ledger where ok = 1';
    const paymentsSql = 'select id, order_id from payments';
    let ledger: Array<{ key: string; operation: string }>;
    let payments: Array<{ id: string; order_id: string }>;
    const postgres = this.databases.get('payments');
    if (postgres) {
      ledger = await postgres.query(ledgerSql);
      payments = await postgres.query(paymentsSql);
    } else {
      const { database } = openPrivateSqlite(this.dataDir, 'payments.sqlite');
      try {
        database.pragma('busy_timeout = 5000');
        ledger = database.prepare(ledgerSql).all() as typeof ledger;
        payments = database.prepare(paymentsSql).all() as typeof payments;
      } finally {
        database.close();
      }
    }
    const orderOf = new Map(payments.map((p) => [p.id, p.order_id]));
    const byOrder = new Map<string, { charges: number; refunds: number }>();
    let unknown = 0;
    for (const entry of ledger) {
      const orderId = orderOf.get(entry.key.replace(/:refund$/, ''));
      if (orderId === undefined) {
        if (entry.operation === 'charge' && !this.#unaccounted.has(entry.key)) {
          this.#unaccounted.add(entry.key);
          unknown++;
        }
        continue;
      }
      const money = byOrder.get(orderId) ?? { charges: 0, refunds: 0 };
      if (entry.operation === 'charge') money.charges++;
      else money.refunds++;
      byOrder.set(orderId, money);
    }
    return { byOrder, unknown };
  }

  async startBroker(port?: number): Promise<void> {
    const at = port ?? Number(new URL(this.nats?.url ?? '').port);
    this.nats = startNatsServer(at, this.natsStore);
    await this.nats.ready();
  }

  async stopBroker(): Promise<void> {
    await this.nats?.server.stop();
  }

  /** The newest pid the runner started for `instance` (e.g. `payments-1`). */
  pidOf(instance: string): number {
    const pids = [...this.runner.output().matchAll(new RegExp(`${instance} started \\(pid (\\d+)`, 'g'))].map((m) => Number(m[1]));
    const pid = pids.at(-1);
    if (!pid) throw new Error(`${instance} was never started`);
    return pid;
  }

  pause(pid: number): void {
    process.kill(pid, 'SIGSTOP');
    this.#stopped.add(pid);
  }

  resume(pid: number): void {
    this.#stopped.delete(pid);
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // it was replaced (and killed) meanwhile
    }
  }

  /** Sets (or with no settings clears) the gateway's injected faults for `service`, as an admin does from /ops. */
  async injectFault(service: string, settings?: { delayMs: number; delayPercent: number; abortStatus: number; abortPercent: number }): Promise<void> {
    const answer = settings
      ? await this.call('PUT', `/api/admin/faults/${service}`, this.#admin, settings)
      : await this.call('DELETE', `/api/admin/faults/${service}`, this.#admin);
    if (answer.status !== 200 && answer.status !== 204) throw new Error(`fault injection for ${service} answered ${answer.status}`);
  }

  async call(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Json }> {
    try {
      const response = await fetch(`${this.base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      let parsed: Json = {};
      try {
        parsed = text ? (JSON.parse(text) as Json) : {};
      } catch {
        parsed = { text };
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      return { status: 0, body: { detail: (error as Error).message } };
    }
  }

  async #stock(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of this.#products) out.set(id, (await this.call('GET', `/api/inventory/${id}`)).body.available as number);
    return out;
  }

  /**
   * Shoppers check out in a loop while `fault` runs (it returns the moment recovery is measured
   * from); then every accepted order is followed until it and its payment have settled, and the
   * books are checked: nothing lost, nothing charged twice, stock moved by exactly what was sold.
   */
  async scenario(fault: () => Promise<number>, loadAfterMs: number, settleMs: number): Promise<Score> {
    const stockBefore = await this.#stock();
    const placed: Placed[] = [];
    let failedRequests = 0;
    let shopping = true;
    const counted = async (method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>) => {
      const answer = await this.call(method, path, token, body, headers);
      if (answer.status === 0 || answer.status >= 500) failedRequests++;
      return answer;
    };
    const shoppers = this.#shoppers.map(async (token, s) => {
      for (let n = 0; shopping; n++) {
        const added = await counted('PUT', `/api/cart/items/${this.#products[(s + n) % this.#products.length]}`, token, { quantity: 1 });
        if (added.status !== 200) {
          await sleep(200);
          continue;
        }
        // As a careful client does: an answer lost to a fault is asked for again with the same
        // Idempotency-Key, so an order placed just before its answer was lost is found, not missed.
        const key = randomKey();
        const triedAt = Date.now();
        let answer = await counted('POST', '/api/orders', token, { shippingAddress: ADDRESS, payment: CARD }, { 'idempotency-key': key });
        for (let retry = 0; retry < 60 && (answer.status === 0 || answer.status >= 500); retry++) {
          await sleep(500);
          answer = await counted('POST', '/api/orders', token, { shippingAddress: ADDRESS, payment: CARD }, { 'idempotency-key': key });
        }
        if (answer.status === 202 || answer.status === 200) placed.push({ id: answer.body.id, token, placedAt: triedAt });
        else await sleep(200);
        await sleep(100);
      }
    });
    // Orders are followed as shoppers would: their status is read until it is final.
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const order of placed.filter((o) => o.settledAt === undefined)) {
          const answer = await this.call('GET', `/api/orders/${order.id}`, order.token);
          if (answer.status === 200 && FINAL.has(answer.body.status)) {
            order.settledAt = Date.now();
            order.status = answer.body.status;
          }
        }
        await sleep(200);
      }
    })();
    await sleep(2_000);
    const recoveryFrom = await fault();
    await sleep(loadAfterMs);
    shopping = false;
    await Promise.all(shoppers);
    const deadline = Date.now() + settleMs;
    while (Date.now() < deadline && placed.some((o) => o.settledAt === undefined)) await sleep(250);
    watching = false;
    await watcher;

    const notes: string[] = [];
    let lost = 0;
    let chargedTwice = 0;
    /** Orders whose payments settled, with what they should have cost: the ledger is read once they all have. */
    const settled: Array<{ id: string; status: string }> = [];
    const sold = new Map<string, number>();
    const reasons = new Map<string, number>();
    for (const order of placed) {
      const answer = await this.call('GET', `/api/orders/${order.id}`, order.token);
      if (answer.status !== 200 || !FINAL.has(answer.body.status)) {
        lost++;
        notes.push(`order ${order.id} is ${answer.status === 200 ? answer.body.status : `missing (${answer.status})`}`);
        continue;
      }
      const status = answer.body.status as string;
      if (status === 'CANCELLED') reasons.set(answer.body.cancellationReason, (reasons.get(answer.body.cancellationReason) ?? 0) + 1);
      if (PAID.has(status)) for (const item of answer.body.items as Json[]) sold.set(item.productId, (sold.get(item.productId) ?? 0) + item.quantity);
      // Its payment must settle too: exactly one capture for a paid order, none kept for a cancelled one.
      let payments: Json[] = [];
      for (const giveUp = Date.now() + 15_000; ; await sleep(250)) {
        payments = (await this.call('GET', `/api/payments?orderId=${order.id}`, order.token)).body.items ?? [];
        if (!payments.some((p) => UNSETTLED.has(p.status)) || Date.now() > giveUp) break;
      }
      const captured = payments.filter((p) => p.status === 'CAPTURED').length;
      if (captured > 1) chargedTwice++;
      if (payments.some((p) => UNSETTLED.has(p.status))) {
        lost++;
        notes.push(`order ${order.id} (${status}) has a payment still ${payments.map((p) => p.status).join('/')}`);
      } else if (PAID.has(status) && captured === 0) {
        lost++;
        notes.push(`order ${order.id} is ${status} but nothing was captured`);
      } else if (status === 'CANCELLED' && captured > 0) {
        lost++;
        notes.push(`order ${order.id} is CANCELLED but its capture was not refunded`);
      } else settled.push({ id: order.id, status });
    }
    // What the provider itself moved (its ledger, not payments' own rows): one charge at most per
    // order, kept for a paid order and refunded for a cancelled one.
    const charged = await this.#providerCharges();
    for (const { id, status } of settled) {
      const money = charged.byOrder.get(id) ?? { charges: 0, refunds: 0 };
      if (money.charges > 1) {
        chargedTwice++;
        notes.push(`order ${id} was charged ${money.charges} times by the provider`);
      } else if (money.charges - money.refunds !== (PAID.has(status) ? 1 : 0)) {
        lost++;
        notes.push(`order ${id} (${status}): the provider charged ${money.charges} and refunded ${money.refunds}`);
      }
    }
    for (const [why, n] of reasons) notes.push(`${n} cancelled ${why}`);
    // Orders the shop holds that no shopper was told of (an answer lost even after retries) are
    // not lost, but the stock they took must be counted too.
    const known = new Set([...this.#known, ...placed.map((o) => o.id)]);
    let untold = 0;
    for (const token of this.#shoppers) {
      for (const order of ((await this.call('GET', '/api/orders', token)).body.items ?? []) as Json[]) {
        if (known.has(order.id)) continue;
        untold++;
        this.#known.add(order.id);
        if (!PAID.has(order.status)) continue;
        for (const item of order.items as Json[]) sold.set(item.productId, (sold.get(item.productId) ?? 0) + item.quantity);
      }
    }
    if (untold > 0) notes.push(`${untold} order(s) placed whose answer never reached the shopper`);
    if (charged.unknown > 0) {
      chargedTwice += charged.unknown;
      notes.push(`${charged.unknown} charge(s) by the provider that no payment records`);
    }
    for (const order of placed) this.#known.add(order.id);
    // Stock: moved by exactly what paid orders hold, once every reservation is settled.
    let stockDrift = 0;
    const expected = (id: string) => (stockBefore.get(id) ?? 0) - (sold.get(id) ?? 0);
    for (const giveUp = Date.now() + 15_000; ; await sleep(250)) {
      const after = await this.#stock();
      stockDrift = this.#products.reduce((sum, id) => sum + Math.abs((after.get(id) ?? 0) - expected(id)), 0);
      if (stockDrift === 0 || Date.now() > giveUp) break;
    }
    const recovered = placed
      .filter((o) => o.placedAt >= recoveryFrom && o.settledAt !== undefined && o.status !== 'CANCELLED')
      .map((o) => (o.settledAt ?? 0) - recoveryFrom);
    return {
      accepted: placed.length,
      completed: placed.filter((o) => o.settledAt !== undefined).length,
      lost,
      chargedTwice,
      stockDrift,
      failedRequests,
      recoverMs: recovered.length > 0 ? Math.min(...recovered) : undefined,
      notes,
    };
  }

  async stop(): Promise<void> {
    for (const pid of this.#stopped) this.resume(pid);
    await this.runner?.stop(15_000);
    await this.nats?.server.stop();
    for (const database of this.databases.values()) await database.drop().catch(() => {});
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    if (this.natsStore) await rm(this.natsStore, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomKey = () => `chaos-${Date.now()}-${Math.random().toString(36).slice(2)}`;
