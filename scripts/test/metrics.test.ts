import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  PROMETHEUS_BIN,
  PROMTOOL_BIN,
  prometheusMissing,
  REQUIRE_INFRA,
  type RunningProcess,
  startChild,
  tempDir,
  until,
  waitForHttp,
  waitForShop,
} from '@microshop/testing';
import { parse } from 'yaml';

// SPEC §5b: what operators read. The real shop under the runner, scraped by Debian's real
// Prometheus with deploy/observability's configuration and rules; promtool lints every /metrics.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const START = join(root, 'scripts', 'dist', 'src', 'start.js');
const OBSERVABILITY = join(root, 'deploy', 'observability');
const RULES = join(OBSERVABILITY, 'rules', 'microshop.rules.yml');
const DASHBOARD = join(OBSERVABILITY, 'grafana', 'microshop-dashboard.json');
const SERVICES = ['identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'];
const ALERTS = [
  'MicroshopBreakerOpen',
  'MicroshopHighErrorRate',
  'MicroshopHighLatencyP95',
  'MicroshopInstanceDown',
  'MicroshopDeadLettersRising',
  'MicroshopDeadLettersWaiting',
  'MicroshopConsumerLag',
  'MicroshopOutboxStuck',
  'MicroshopEventLoopDelay',
];
const ADDRESS = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const CARD = { cardNumber: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Target = { targets: [string]; labels: { service: string; instance: string } };

const missing = prometheusMissing();
const skip = missing && !REQUIRE_INFRA ? `${missing} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false;

/** Every PromQL expression of the rules file and the dashboard. */
function expressions(): string[] {
  const rules = parse(readFileSync(RULES, 'utf8')) as Json;
  const fromRules = (rules.groups as Json[]).flatMap((g) => (g.rules as Json[]).map((r) => r.expr as string));
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Json;
  const fromDashboard = (dashboard.panels as Json[]).flatMap((p) => ((p.targets ?? []) as Json[]).map((t) => t.expr as string));
  return [...fromRules, ...fromDashboard];
}

/** Metric names an expression reads (label values in quotes aside, every name has one of these prefixes). */
function metricNames(expr: string): string[] {
  const names = expr.replace(/"[^"]*"/g, '""').match(/\b(?:microshop|http|gateway|nodejs|process)_[a-z0-9_]+|\bup\b/g) ?? [];
  return [...new Set(names)];
}

describe('metrics and alerts: the shop scraped by a real Prometheus', { skip }, () => {
  let runner: RunningProcess;
  let prometheus: RunningProcess;
  let base: string;
  let promBase: string;
  let dataDir: string;
  let promDir: string;

  const call = async (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Json };
  };
  /** One instant query's value per series, keyed by the labels named in `by` (or `value` for a single one). */
  const query = async (promql: string): Promise<Json[]> => {
    const response = await fetch(`${promBase}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as Json;
    assert.equal(body.status, 'success', JSON.stringify(body));
    return body.data.result as Json[];
  };
  const scalar = async (promql: string) => Number((await query(promql))[0]?.value?.[1] ?? Number.NaN);
  const targets = () => JSON.parse(readFileSync(join(dataDir, 'prometheus-targets.json'), 'utf8')) as Target[];
  const scrape = async (address: string) => (await fetch(`http://${address}/metrics`)).text();
  const output = () => `\nrunner:\n${runner.output().slice(-2000)}\nprometheus:\n${prometheus.output().slice(-2000)}`;

  before(async () => {
    if (missing) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${missing}`);
    dataDir = await tempDir();
    runner = startChild(process.execPath, [START], {
      stdin: true,
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        MICROSHOP_DATA_DIR: dataDir,
        MICROSHOP_TIME_SCALE: '40',
        MICROSHOP_ADMIN_PASSWORD: 'admin-password-1',
        LOG_LEVEL: 'warn',
        MICROSHOP_LOG_FORMAT: 'json',
      },
    });
    base = await waitForShop(runner, 60_000);

    // The repository's configuration, pointed at this run's data directory and scraping every second.
    promDir = await tempDir('microshop-prometheus-');
    const config = readFileSync(join(OBSERVABILITY, 'prometheus.local.yml'), 'utf8')
      .replace('../../data/prometheus-targets.json', join(dataDir, 'prometheus-targets.json'))
      .replace('rules/microshop.rules.yml', RULES)
      .replace(/(scrape|evaluation)_interval: \d+s/g, '$1_interval: 1s');
    assert.ok(config.includes(join(dataDir, 'prometheus-targets.json')), 'the configuration names the targets file');
    writeFileSync(join(promDir, 'prometheus.yml'), config);
    const promPort = await freePort();
    promBase = `http://127.0.0.1:${promPort}`;
    prometheus = startChild(PROMETHEUS_BIN as string, [
      `--config.file=${join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    await waitForHttp(`${promBase}/-/ready`, { timeoutMs: 30_000 });
  });

  after(async () => {
    await prometheus?.stop();
    await runner?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (promDir) await rm(promDir, { recursive: true, force: true });
  });

  it('the runner lists every process in the targets file, and Prometheus scrapes them all', async () => {
    const listed = targets();
    assert.deepEqual(listed.map((t) => t.labels.service).sort(), ['gateway', ...SERVICES].sort());
    assert.ok(listed.every((t) => /^[\w.-]+:\d+$/.test(t.targets[0]) && t.labels.instance === `${t.labels.service}-1`), JSON.stringify(listed));
    await until('every process to be up in Prometheus', async () => (await scalar('count(up{job="microshop"} == 1)')) === SERVICES.length + 1, 30_000).catch(
      (error: Error) => assert.fail(`${error.message}${output()}`),
    );
    // The processes' own labels are kept (honor_labels), not renamed to exported_*.
    const labels = (await query('nodejs_eventloop_lag_seconds')).map((r) => r.metric as Json);
    assert.deepEqual(labels.map((l) => l.service).sort(), ['gateway', ...SERVICES].sort());
    assert.ok(labels.every((l) => l.instance === `${l.service}-1` && l.exported_instance === undefined), JSON.stringify(labels));
  });

  it('a purchase is counted: placed, confirmed and delivered orders and their revenue reach Prometheus', async () => {
    const email = `metrics-${process.pid}@example.com`;
    const registered = await call('POST', '/api/auth/register', { body: { email, password: 'password-123', name: 'Ada' } });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const token = registered.body.token as string;
    const [product] = (await call('GET', '/api/products?limit=1')).body.items as Json[];
    assert.ok(product, 'the catalog is seeded');
    // The cart hears of products by events: the first add may come before it has.
    await until('the product in the cart', async () => (await call('PUT', `/api/cart/items/${product.id}`, { token, body: { quantity: 2 } })).status === 200);
    const placed = await call('POST', '/api/orders', { token, body: { shippingAddress: ADDRESS, payment: CARD }, headers: { 'idempotency-key': 'metrics-1' } });
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    const total = placed.body.totalCents as number;

    const counted = async (status: string) => scalar(`sum(microshop_orders_total{status="${status}"})`);
    const reached = await until(
      'Prometheus to count the order placed, confirmed and delivered',
      async () => {
        const [p, c, d] = [await counted('placed'), await counted('confirmed'), await counted('delivered')];
        return p >= 1 && c >= 1 && d >= 1 ? { p, c, d } : undefined;
      },
      60_000,
    ).catch((error: Error) => assert.fail(`${error.message}${output()}`));
    assert.deepEqual(reached, { p: 1, c: 1, d: 1 });
    assert.equal(await counted('cancelled'), 0);
    assert.equal(await scalar('sum(microshop_revenue_cents_total{currency="USD"})'), total);

    // A declined card: placed and cancelled, never confirmed, no revenue.
    await until('the product in the cart again', async () => (await call('PUT', `/api/cart/items/${product.id}`, { token, body: { quantity: 1 } })).status === 200);
    const declined = await call('POST', '/api/orders', {
      token,
      body: { shippingAddress: ADDRESS, payment: { ...CARD, cardNumber: '4000000000000002' } },
      headers: { 'idempotency-key': 'metrics-2' },
    });
    assert.equal(declined.status, 202, JSON.stringify(declined.body));
    await until('Prometheus to count the cancellation', async () => (await counted('cancelled')) === 1, 30_000).catch((error: Error) =>
      assert.fail(`${error.message}${output()}`),
    );
    assert.deepEqual([await counted('placed'), await counted('confirmed')], [2, 1]);
    assert.equal(await scalar('sum(microshop_revenue_cents_total)'), total);
    // Orders handled the saga's events: their handling times are recorded by type.
    const handled = await query('sum by (type) (microshop_bus_handler_duration_seconds_count{service="orders"})');
    assert.ok(handled.some((r) => r.metric.type === 'payments.payment.succeeded' && Number(r.value[1]) >= 1), JSON.stringify(handled));
  });

  it("every process's /metrics passes promtool check metrics and has the messaging and runtime metrics", async () => {
    for (const target of targets()) {
      const { service } = target.labels;
      const text = await scrape(target.targets[0]);
      const lint = spawnSync(PROMTOOL_BIN as string, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(lint.status, 0, `${service}: promtool check metrics:\n${lint.stdout}${lint.stderr}`);
      assert.match(text, /^nodejs_eventloop_lag_p99_seconds\{/m, `${service} reports its event-loop delay`);
      if (service === 'gateway') {
        assert.match(text, /^gateway_upstream_breaker_state\{/m);
        continue;
      }
      for (const name of ['microshop_outbox_unpublished', 'microshop_outbox_oldest_unpublished_age_seconds', 'microshop_bus_consumer_pending', 'microshop_bus_dead_letters']) {
        assert.match(text, new RegExp(`^${name}\\{service="${service}"`, 'm'), `${service} reports ${name}`);
      }
    }
  });

  it('Prometheus loaded every alert rule, and promtool accepts the rules and the configuration', async () => {
    const body = (await (await fetch(`${promBase}/api/v1/rules?type=alert`)).json()) as Json;
    assert.equal(body.status, 'success');
    const rules = (body.data.groups as Json[]).flatMap((g) => g.rules as Json[]);
    assert.deepEqual(rules.map((r) => r.name).sort(), [...ALERTS].sort());
    await until('every rule to be evaluated without error', async () => {
      const now = (await (await fetch(`${promBase}/api/v1/rules?type=alert`)).json()) as Json;
      return (now.data.groups as Json[]).flatMap((g) => g.rules as Json[]).every((r) => r.health === 'ok');
    });
    const rulesCheck = spawnSync(PROMTOOL_BIN as string, ['check', 'rules', RULES], { encoding: 'utf8' });
    assert.equal(rulesCheck.status, 0, rulesCheck.stdout + rulesCheck.stderr);
    const configCheck = spawnSync(PROMTOOL_BIN as string, ['check', 'config', '--syntax-only', join(OBSERVABILITY, 'prometheus.local.yml')], { encoding: 'utf8' });
    assert.equal(configCheck.status, 0, configCheck.stdout + configCheck.stderr);
  });

  it('the alert rules and the dashboard read only metrics the processes export', async () => {
    const exported = new Set(['up']);
    for (const target of targets()) {
      for (const line of (await scrape(target.targets[0])).split('\n')) {
        const name = /^([a-zA-Z_:][\w:]*)/.exec(line)?.[1];
        if (name) exported.add(name);
      }
    }
    const used = new Set(expressions().flatMap(metricNames));
    assert.ok(used.has('microshop_orders_total') && used.has('gateway_upstream_breaker_state'), [...used].join(', '));
    assert.deepEqual([...used].filter((name) => !exported.has(name)), []);
  });

  it('scaling rewrites the targets file and Prometheus scrapes the new instance', async () => {
    runner.write('scale catalog=2\n');
    await runner.waitForOutput(/scaled catalog: 1 -> 2/, 60_000);
    assert.deepEqual(targets().filter((t) => t.labels.service === 'catalog').map((t) => t.labels.instance), ['catalog-1', 'catalog-2']);
    await until('Prometheus to scrape catalog-2', async () => (await scalar('count(up{service="catalog"} == 1)')) === 2, 45_000).catch((error: Error) =>
      assert.fail(`${error.message}${output()}`),
    );
  });
});

describe('deploy/observability without a server', () => {
  it('the Kubernetes scrape configuration keeps Microshop pods by their labels and annotations', () => {
    const config = parse(readFileSync(join(OBSERVABILITY, 'prometheus.kubernetes.yml'), 'utf8')) as Json;
    const job = (config.scrape_configs as Json[]).find((j) => j.job_name === 'microshop') as Json;
    assert.equal(job.honor_labels, true);
    assert.equal(job.kubernetes_sd_configs[0].role, 'pod');
    const keeps = (job.relabel_configs as Json[]).filter((r) => r.action === 'keep').map((r) => `${r.source_labels.join(',')}=${r.regex}`);
    assert.deepEqual(keeps, [
      '__meta_kubernetes_pod_label_app_kubernetes_io_part_of=microshop',
      '__meta_kubernetes_pod_annotation_prometheus_io_scrape=true',
      '__meta_kubernetes_pod_container_port_name=http',
    ]);
    // The base's pod templates carry what it keeps them by.
    const defaults = parse(readFileSync(join(root, 'deploy', 'k8s', 'base', 'workload-defaults.yaml'), 'utf8')) as Json;
    assert.deepEqual(defaults.spec.template.metadata.annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
    assert.equal(defaults.spec.template.spec.containers[0].ports[0].name, 'http');
  });

  it("the observability component's PrometheusRule holds exactly the rules file's groups", () => {
    const rules = parse(readFileSync(RULES, 'utf8')) as Json;
    const component = parse(readFileSync(join(root, 'deploy', 'k8s', 'components', 'observability', 'prometheus-rule.yaml'), 'utf8')) as Json;
    assert.equal(component.kind, 'PrometheusRule');
    assert.deepEqual(component.spec.groups, rules.groups);
  });
});
