import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningProcess, startChild, tempDir, until, waitForShop } from '@microshop/testing';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * The shopper's whole journey (SPEC §7) and the operations dashboard, in Debian's Chromium driven
 * by Playwright, against the real system started by `npm start`'s runner. Run by
 * `npm run test:browser`; screenshots of the main pages go to MICROSHOP_SCREENSHOTS
 * (default test-results/screenshots).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START = join(root, 'scripts', 'dist', 'src', 'start.js');
const CHROMIUM = process.env.MICROSHOP_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = resolve(root, process.env.MICROSHOP_SCREENSHOTS ?? 'test-results/screenshots');
const ADMIN = { email: 'admin@microshop.local', password: 'browser-admin-pass-1' };
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

describe('the storefront and the dashboard in a real browser', () => {
  let runner: RunningProcess;
  let dataDir: string;
  let base: string;
  let browser: Browser;
  /** The order the shopper places in the first test, followed through its trace in the last. */
  let orderId = '';

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    dataDir = await tempDir();
    runner = startChild(process.execPath, [START], {
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        MICROSHOP_DATA_DIR: dataDir,
        MICROSHOP_LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
        // Flights of 20-50 s take 1-2.5 s: the page is watched through to DELIVERED.
        MICROSHOP_TIME_SCALE: '20',
        MICROSHOP_ADMIN_PASSWORD: ADMIN.password,
        IDENTITY_SCRYPT_COST: '1024',
        // Watched by the autoscaler, held at one instance (the Scaling page draws it; nothing moves).
        MICROSHOP_AUTOSCALE: 'catalog=1-1',
      },
    });
    base = await waitForShop(runner, 60_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  });

  after(async () => {
    await browser?.close();
    await runner?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The whole page, or with `screen` what the first screen shows (images below it load lazily, when scrolled to). */
  const shot = async (page: Page, name: string, { screen = false } = {}) => {
    // From the top, so the sticky header is where a visitor sees it.
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: !screen });
  };

  it('lets a shopper register, find a product, pay with a test card and watch the drone deliver', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));

    // Home: categories and featured products, with little JavaScript.
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Shop by category' }).waitFor();
    await page.getByRole('heading', { name: 'Featured' }).waitFor();
    assert.ok((await page.locator('.product-card').count()) >= 4, 'featured products are shown');
    const scriptBytes = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((r) => r as unknown as { name: string; initiatorType: string; encodedBodySize: number })
        .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'))
        .reduce((sum, r) => sum + r.encodedBodySize, 0),
    );
    assert.ok(scriptBytes > 0 && scriptBytes < 200 * 1024, `first load carries ${scriptBytes} bytes of compressed JavaScript`);
    await shot(page, 'home');

    // Register.
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Register' }).click();
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Enter an email address like ada@example.com.').waitFor();
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill(`ada-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByText('Welcome back, Ada Lovelace.').waitFor();

    // Search, then a category, then a product.
    await page.getByLabel('Search products').fill('coffee');
    await page.getByLabel('Search products').press('Enter');
    await page.getByRole('heading', { name: 'Results for “coffee”' }).waitFor();
    await page.getByRole('link', { name: 'Pour-Over Coffee Dripper' }).waitFor();
    await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Kitchen' }).click();
    await page.getByRole('heading', { name: 'Kitchen', level: 1 }).waitFor();
    await shot(page, 'category');
    await page.getByRole('link', { name: 'Bamboo Cutting Board' }).click();
    await page.getByRole('heading', { name: 'Bamboo Cutting Board' }).waitFor();
    await page.getByLabel('Quantity').selectOption('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added 2 to your cart.').waitFor();
    await shot(page, 'product');

    // Cart, then checkout with inline validation.
    await page.getByRole('link', { name: 'Cart', exact: true }).click();
    await page.getByRole('list', { name: 'Items in your cart' }).getByRole('link', { name: 'Bamboo Cutting Board' }).waitFor();
    await shot(page, 'cart');
    await page.getByRole('link', { name: 'Checkout' }).click();
    await page.getByLabel('Full name').waitFor();
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByText('Enter the city.').waitFor();
    assert.equal(await page.getByLabel('City').getAttribute('aria-invalid'), 'true', 'the error is tied to its field');
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByLabel('Address').fill('12 St James Square');
    await page.getByLabel('City').fill('London');
    await page.getByLabel('Postal code').fill('SW1Y 4JH');
    await page.getByLabel('Country').fill('United Kingdom');
    await page.getByLabel('Card number').fill('4242 4242 4242 4241');
    await page.getByLabel('Expiry month').fill('12');
    await page.getByLabel('Expiry year').fill(String(new Date().getFullYear() + 3));
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByText('This card number is not valid. Check the digits.').waitFor();
    await shot(page, 'checkout-errors');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    const placed = page.waitForResponse((response) => response.url().endsWith('/api/orders') && response.request().method() === 'POST', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Place order' }).click();
    const answer = await placed;
    // When checkout fails, say how, with what the system logged, instead of only timing out below.
    assert.equal(answer.status(), 202, `POST /api/orders answered ${answer.status()} ${await answer.text()}\n${runner.output().slice(-6000)}`);

    // The order's page follows the order to DELIVERED without a reload.
    await page.waitForURL(/\/orders\/[^/]+$/);
    const orderUrl = page.url();
    orderId = decodeURIComponent(new URL(orderUrl).pathname.split('/').pop() ?? '');
    const status = page.locator('.order-status');
    await status.getByText(/PENDING|CONFIRMED|SHIPPED/).waitFor();
    await status.getByText('CONFIRMED').or(status.getByText('SHIPPED')).or(status.getByText('DELIVERED')).waitFor({ timeout: 10_000 });
    await page.getByText(/Drone drone-\S+ (is being loaded|is flying to you)|Delivered by drone/).waitFor({ timeout: 10_000 });
    await shot(page, 'order-in-flight');
    await status.getByText('DELIVERED').waitFor({ timeout: 30_000 });
    await page.getByText(/Delivered by drone drone-\S+/).waitFor();
    assert.equal(page.url(), orderUrl, 'the page was not reloaded or left');
    await shot(page, 'order-delivered');

    // The order list and the messages the shopper was sent.
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('heading', { name: 'Your orders' }).waitFor();
    await page.locator('.order-row').getByText('DELIVERED').waitFor();
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    await page.locator('.message').first().waitFor();
    assert.ok((await page.locator('.message').count()) >= 2, 'confirmed and delivered messages');
    await shot(page, 'notifications');

    // Signing out ends the session; signing in again brings it back.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    assert.deepEqual(failures, [], 'no script errors in the page');
    await context.close();
  });

  it('fits a phone screen and works with the keyboard alone', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Featured' }).waitFor();
    const overflow = await page.evaluate(() => {
      type Root = { scrollWidth: number; clientWidth: number };
      const root = (globalThis as unknown as { document: { documentElement: Root } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(overflow <= 0, `the home page is ${overflow} px wider than the phone's screen`);
    await shot(page, 'home-phone', { screen: true });

    /** What has the keyboard focus now: its tag, role-ish class, accessible name and whether its focus ring shows. */
    const focused = () =>
      page.evaluate(() => {
        type Focused = Record<string, unknown> & { getAttribute(name: string): string | null };
        const element = (globalThis as unknown as { document: { activeElement: Focused } }).document.activeElement;
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string } }).getComputedStyle(element);
        return {
          tag: String(element.tagName).toLowerCase(),
          className: String(element.className ?? ''),
          name: element.getAttribute('aria-label') ?? String(element.textContent ?? '').trim(),
          ring: style.outlineStyle !== 'none',
        };
      });
    const tabTo = async (matches: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        const f = await focused();
        if (matches(f)) return f;
      }
      throw new Error(`Tab never reached ${what}`);
    };

    // The first Tab offers to skip the header; taking it puts the focus on the page's content.
    await page.keyboard.press('Tab');
    assert.equal((await focused()).name, 'Skip to content');
    await page.keyboard.press('Enter');
    const card = await tabTo((f) => f.className.includes('product-card'), 'a product card');
    assert.ok(card.ring, 'a focused product card shows a focus ring');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: card.name }).waitFor();
    assert.match(page.url(), /\/products\//);
    await shot(page, 'product-phone');

    // Adding to the cart without an account leads to sign-in, which comes back to the product.
    await tabTo((f) => f.tag === 'button' && f.name === 'Add to cart', 'the Add to cart button');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(page.url(), /\/signin\?next=%2Fproducts%2F/);
    assert.deepEqual(failures, [], 'no script errors in the page');
    await context.close();
  });

  it('says which part is unavailable when a service is down, and the rest keeps working', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const catalogPid = Number(/catalog-1 started \(pid (\d+)/.exec(runner.output())?.[1]);
    assert.ok(catalogPid > 0);
    // Paused, not killed: the runner would restart a dead one before the page could see it down.
    process.kill(catalogPid, 'SIGSTOP');
    try {
      await until('the gateway to see catalog down', async () => {
        const ready = (await (await fetch(`${base}/readyz`)).json()) as { services: Record<string, { healthy: number }> };
        return ready.services.catalog?.healthy === 0;
      });
      await page.goto(`${base}/`);
      await page.getByText('The product catalog is unavailable right now.').waitFor();
      await shot(page, 'home-degraded');
      await page.goto(`${base}/cart`);
      await page.getByRole('heading', { name: 'Your cart' }).waitFor();
      await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
    } finally {
      process.kill(catalogPid, 'SIGCONT');
    }
    await context.close();
  });

  it('shows an operator every service and instance, live, behind an admin sign-in', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${base}/ops`);
    await page.getByRole('heading', { name: 'Operations sign-in' }).waitFor();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    for (const service of ['catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications', 'identity']) {
      await page.getByRole('heading', { name: service, exact: true }).waitFor();
    }
    // A shopper's load shows up on the services' cards within a refresh or two.
    const shopper = await registerShopper(base);
    let loading = true;
    const load = (async () => {
      const auth = { authorization: `Bearer ${shopper}` };
      while (loading) {
        await Promise.all([
          fetch(`${base}/api/products?limit=5`),
          fetch(`${base}/api/home`, { headers: auth }),
          fetch(`${base}/api/cart`, { headers: auth }),
          fetch(`${base}/api/orders`, { headers: auth }),
          fetch(`${base}/api/inventory/prod-bamboo-cutting-board`),
          fetch(`${base}/api/notifications`, { headers: auth }),
        ]);
        // About one shopper's pace, well inside the gateway's per-user and per-address limits.
        await new Promise((r) => setTimeout(r, 400));
      }
    })();
    const catalog = page.getByRole('article').filter({ has: page.getByRole('heading', { name: 'catalog', exact: true }) });
    try {
      await until('requests on the catalog card', async () => {
        const text = (await catalog.locator('.ops-stats dd').first().textContent()) ?? '0';
        return Number(text) > 0;
      }, 15_000);
      assert.ok((await page.locator('.chart canvas').count()) >= 8, 'a chart per service');
      await catalog.getByRole('row', { name: /catalog-1/ }).getByText('healthy').waitFor();
      // A few more points on the charts before the picture.
      await page.waitForTimeout(6_000);
      await shot(page, 'ops');
    } finally {
      loading = false;
      await load;
    }
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    assert.deepEqual(failures, [], 'no script errors in the page');
    await context.close();
  });

  it('follows the order through every service in its trace, and maps who calls whom', async () => {
    assert.ok(orderId, 'the first test placed an order');
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${base}/ops`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    await nav.getByRole('link', { name: 'Traces' }).click();
    await page.getByRole('heading', { name: 'Traces', level: 1 }).waitFor();

    // The checkout's trace is the one that reached the whole saga (the order page's polling has traces of its own).
    await page.getByLabel('Order id').fill(orderId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: /traces? matching/ }).waitFor();
    const saga = page.locator('.trace-results tbody tr').filter({ hasText: 'payments' }).filter({ hasText: 'shipping' });
    await saga.first().waitFor();
    await shot(page, 'ops-traces');
    await saga.first().getByRole('link').click();

    const tree = page.getByRole('tree', { name: /Spans/ });
    await tree.waitFor();
    for (const service of ['gateway', 'orders', 'payments', 'inventory', 'shipping', 'notifications']) {
      await tree.locator(`[role="treeitem"][data-service="${service}"]`).first().waitFor({ timeout: 10_000 }); // the waterfall shows a span of each
    }
    const traceId = (await page.locator('.trace-id code').textContent()) ?? '';
    assert.match(traceId, /^[0-9a-f]{32}$/);
    // Selecting a span shows its attributes (the order's id on the spans that handled it) and the ids its log lines carry.
    const orderRows = tree.locator('[role="treeitem"][data-service="orders"]');
    const attribute = page.getByRole('row', { name: `microshop.order_id ${orderId}` }).first();
    let carried = false;
    for (let i = 0, count = await orderRows.count(); i < count && !carried; i++) {
      await orderRows.nth(i).click();
      carried = await attribute.waitFor({ timeout: 1_000 }).then(() => true, () => false);
    }
    assert.ok(carried, 'a span of orders carries the order id as microshop.order_id');
    await page.getByText(`trace_id=${traceId} span_id=`).waitFor();
    // The keyboard walks the tree: Home selects the first span, Down the next.
    await tree.locator('[aria-selected="true"]').focus();
    await page.keyboard.press('Home');
    assert.equal(await tree.getByRole('treeitem').nth(0).getAttribute('aria-selected'), 'true', 'Home selects the first span');
    await page.keyboard.press('ArrowDown');
    assert.equal(await tree.getByRole('treeitem').nth(1).getAttribute('aria-selected'), 'true', 'ArrowDown selects the second span');
    await shot(page, 'ops-trace');

    // On a phone the waterfall stacks instead of scrolling sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => {
      type Root = { scrollWidth: number; clientWidth: number };
      const root = (globalThis as unknown as { document: { documentElement: Root } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    assert.ok(overflow <= 0, `the trace page is ${overflow} px wider than the phone's screen`);
    await page.setViewportSize({ width: 1440, height: 1000 });

    // The service map: the calls and events of the last minutes, drawn and as a table.
    await nav.getByRole('link', { name: 'Service map' }).click();
    await page.getByRole('img', { name: /Service map: \d+ services and \d+ connections/ }).waitFor();
    await page.locator('path.map-edge-http[data-from="gateway"][data-to="orders"]').waitFor();
    assert.ok((await page.locator('path.map-edge-event').count()) > 0, 'the map draws events between services');
    await page.getByRole('row', { name: /^gateway orders HTTP/ }).waitFor();
    await shot(page, 'ops-service-map');

    // Faults: an admin makes the gateway fail every catalog request, sees the shop answer so, and clears it.
    await nav.getByRole('link', { name: 'Faults' }).click();
    await page.getByText('No faults: every request is forwarded as it came.').waitFor();
    await page.getByLabel('Service').selectOption('catalog');
    await page.getByLabel('Aborted share (%)').fill('100');
    await page.getByRole('button', { name: 'Inject fault' }).click();
    await page.getByRole('row', { name: /catalog none 100 % with 503/ }).waitFor();
    assert.equal((await fetch(`${base}/api/products`)).status, 503, 'the catalog is failed at the gateway');
    await shot(page, 'ops-faults');
    await page.getByRole('row', { name: /catalog/ }).getByRole('button', { name: 'Clear' }).click();
    await page.getByText('No faults: every request is forwarded as it came.').waitFor();
    assert.equal((await fetch(`${base}/api/products`)).status, 200, 'and served again once cleared');

    // Scaling: the runner's autoscaler (catalog held at 1-1 here) drawn over time, and no release yet.
    await nav.getByRole('link', { name: 'Scaling' }).click();
    await page.getByRole('heading', { name: 'Autoscaling' }).waitFor();
    await page.getByRole('heading', { name: /catalog 1–1 instances, now 1/ }).waitFor();
    await page.getByRole('img', { name: /catalog instances over the last/ }).waitFor({ timeout: 15_000 });
    await page.getByText('No release yet this run.').waitFor();
    await shot(page, 'ops-scaling');
    assert.deepEqual(failures, [], 'no script errors in the page');
    await context.close();
  });
});

/** A new customer's token, registered through the gateway. */
async function registerShopper(base: string): Promise<string> {
  const response = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `load-${Date.now()}@example.com`, password: 'password-123', name: 'Load' }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { token: string }).token;
}
