import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, REQUIRE_INFRA } from '@microshop/testing';
import { parseAllDocuments } from 'yaml';

/**
 * `npm run test:deploy` (SPEC §5c): builds every image here (deploy/container/local-images.sh), then
 * runs the system from them as the local overlay describes it: each Deployment of
 * `kubectl kustomize deploy/k8s/overlays/local` becomes a podman container with that workload's
 * image, environment (ConfigMaps and Secrets resolved), mounted Secrets and ConfigMaps, volumes,
 * user, read-only root and dropped capabilities, on one network where each is reachable by its
 * Service's name (so the manifests' URLs work unchanged), restarted when it dies. A purchase goes
 * to DELIVERED through the containerised gateway; then a service's process is SIGKILLed and the
 * shop carries on once it is back, with nothing lost.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const exec = promisify(execFile);
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const say = (line: string) => process.stdout.write(`deploy | ${line}\n`);

/** Polls `check` every `intervalMs` until it gives a value, for at most `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, options: { timeoutMs: number; intervalMs: number }): Promise<T> {
  const { timeoutMs, intervalMs } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** What the containers need that a fresh machine may lack: podman, runc, mmdebstrap (Debian packages). */
function ensureTools(): string | false {
  const missing = ['podman', 'mmdebstrap', 'runc', 'kubectl'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  const installable = missing.filter((tool) => tool !== 'kubectl');
  if (installable.length > 0 && process.getuid?.() === 0) {
    say(`installing ${installable.join(', ')} from Debian's packages`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    spawnSync('apt-get', ['install', '-y', '-qq', ...installable], { stdio: 'ignore', env });
  }
  const still = missing.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  return still.length > 0 ? `${still.join(', ')} not installed` : false;
}

const toolsMissing = ensureTools();
const skip = toolsMissing && !REQUIRE_INFRA ? `${toolsMissing} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false;

describe('deployment: the images, run as the local overlay describes them', { skip, timeout: 25 * 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'microshop-deploy-'));
  const prefix = `ms${process.pid}`;
  const network = `${prefix}-net`;
  // podman refuses its default ulimits and crun here: runc, and no ulimits of its own.
  const conf = join(work, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n');
  const env = { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? conf };
  const podman = async (...args: string[]) => (await exec('podman', args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  const started: string[] = [];
  const published = new Map<string, string>();
  let objects: Obj[] = [];
  let gateway = '';

  const byKind = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const decoded = (secret: Obj, key: string) => Buffer.from(String(secret.data?.[key] ?? ''), 'base64').toString('utf8');

  /** A host directory the workload's user owns, standing in for an emptyDir or a volume claim. */
  const ownedDir = (path: string, uid: number, gid: number) => {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    chownSync(path, uid, gid);
    return path;
  };

  /** The Deployment's (or Job's) one container as `podman run` arguments. */
  const runArgs = (workload: Obj, service: string): string[] => {
    const pod = workload.spec.template.spec;
    const [container] = pod.containers as Obj[];
    assert.ok(container, `${service} has a container`);
    const uid = Number(container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser ?? 0);
    const gid = Number(container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup ?? 0);
    const fsGroup = pod.securityContext?.fsGroup;
    const args = ['--name', `${prefix}-${service}`, '--network', network, '--network-alias', service, '--user', `${uid}:${gid}`];
    if (container.securityContext?.readOnlyRootFilesystem) args.push('--read-only');
    if ((container.securityContext?.capabilities?.drop ?? []).includes('ALL')) args.push('--cap-drop=all');
    if (container.securityContext?.allowPrivilegeEscalation === false) args.push('--security-opt=no-new-privileges');
    const vars: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const from = source.configMapRef ? byKind('ConfigMap', source.configMapRef.name) : byKind('Secret', source.secretRef.name);
      for (const key of Object.keys(from?.data ?? {})) vars[key] = source.configMapRef ? String(from?.data[key]) : decoded(from as Obj, key);
    }
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom;
      if (!ref) vars[variable.name] = String(variable.value ?? '');
      else if (ref.configMapKeyRef) vars[variable.name] = String(byKind('ConfigMap', ref.configMapKeyRef.name)?.data?.[ref.configMapKeyRef.key] ?? '');
      else if (ref.secretKeyRef) {
        const secret = byKind('Secret', ref.secretKeyRef.name);
        if (secret) vars[variable.name] = decoded(secret, ref.secretKeyRef.key);
        else assert.ok(ref.secretKeyRef.optional, `${service}: no Secret ${ref.secretKeyRef.name}`);
      } else if (ref.fieldRef?.fieldPath === 'metadata.name') vars[variable.name] = `${service}-1`;
    }
    // Drone flights take a minute at real speed; the test runs them 20 times faster.
    if ('MICROSHOP_TIME_SCALE' in vars || service === 'shipping') vars.MICROSHOP_TIME_SCALE = '20';
    for (const [name, value] of Object.entries(vars)) args.push('--env', `${name}=${value}`);
    const volumes = new Map<string, Obj>((pod.volumes ?? []).map((v: Obj) => [v.name, v]));
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      assert.ok(volume, `${service}: volume ${mount.name}`);
      const dir = join(work, 'volumes', service, mount.name);
      if (volume.secret || volume.configMap) {
        const source = volume.secret ? byKind('Secret', volume.secret.secretName) : byKind('ConfigMap', volume.configMap.name);
        assert.ok(source, `${service}: ${mount.name}'s source`);
        mkdirSync(dir, { recursive: true, mode: 0o755 });
        const mode = Number((volume.secret ?? volume.configMap).defaultMode ?? 0o644);
        for (const key of Object.keys(source.data ?? {})) {
          const file = join(dir, key);
          writeFileSync(file, volume.secret ? decoded(source, key) : String(source.data[key]), { mode });
          // As the kubelet does with fsGroup: root owns the file, the pod's group may read it.
          chownSync(file, 0, fsGroup === undefined ? 0 : Number(fsGroup));
        }
        args.push('--volume', `${dir}:${mount.mountPath}:ro`);
      } else {
        args.push('--volume', `${ownedDir(dir, uid, gid)}:${mount.mountPath}`);
      }
    }
    const port = container.ports?.[0]?.containerPort;
    if (port) args.push('--publish', `127.0.0.1:${published.get(service)}:${port}`);
    args.push(String(container.image));
    if (container.command) args.push(...container.command);
    if (container.args) args.push(...container.args);
    return args;
  };

  const start = async (service: string) => {
    const workload = byKind('Deployment', service);
    assert.ok(workload, `the local overlay has a Deployment ${service}`);
    published.set(service, String(await freePort()));
    await podman('run', '--detach', '--restart=on-failure', ...runArgs(workload, service));
    started.push(`${prefix}-${service}`);
  };
  const ready = (service: string, path = '/readyz') =>
    until(`${service} ready`, async () => {
      try {
        return (await fetch(`http://127.0.0.1:${published.get(service)}${path}`, { signal: AbortSignal.timeout(2_000) })).status === 200 || undefined;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 120_000, intervalMs: 250 });
  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as Obj };
  };
  const purchase = async (token: string, key: string) => {
    const cart = await until('the cart to take the item', async () => {
      const answer = await call('PUT', '/api/cart/items/prod-bamboo-cutting-board', token, { quantity: 1 });
      return answer.status === 200 ? answer : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    assert.equal(cart.body.items.length, 1);
    const order = await call('POST', '/api/orders', token, {
      shippingAddress: { name: 'Ada', line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
      payment: { cardNumber: '4242424242424242', expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' },
    }, { 'idempotency-key': key });
    assert.equal(order.status, 202, JSON.stringify(order.body));
    return order.body.id as string;
  };
  const delivered = (token: string, id: string) =>
    until(`order ${id} DELIVERED`, async () => {
      const answer = await call('GET', `/api/orders/${id}`, token);
      return answer.body?.status === 'DELIVERED' ? answer.body : undefined;
    }, { timeoutMs: 180_000, intervalMs: 500 });

  before(async () => {
    if (toolsMissing) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${toolsMissing}`);
    // MICROSHOP_DEPLOY_REUSE_IMAGES=1 runs the images an earlier build left (while changing this test).
    if (process.env.MICROSHOP_DEPLOY_REUSE_IMAGES !== '1') {
      say('building the images (deploy/container/local-images.sh; later runs reuse the cached layers)');
      const built = spawnSync('bash', [join(root, 'deploy', 'container', 'local-images.sh'), 'local'], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      assert.equal(built.status, 0, `building the images failed:\n${built.stdout}\n${built.stderr}`);
      for (const line of built.stdout.split('\n').filter((l) => /microshop\/[a-z]+:local \d/.test(l))) say(line.replace(/^images \| /, 'image '));
    }

    say('rendering deploy/k8s/overlays/local with fresh keys');
    cpSync(join(root, 'deploy', 'k8s'), join(work, 'k8s'), { recursive: true });
    const keys = spawnSync(process.execPath, [join(root, 'scripts', 'dist', 'src', 'keys.js'), join(work, 'k8s', 'overlays', 'local', 'secrets')], { encoding: 'utf8' });
    assert.equal(keys.status, 0, keys.stderr);
    const rendered = spawnSync('kubectl', ['kustomize', join(work, 'k8s', 'overlays', 'local')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(rendered.status, 0, rendered.stderr);
    objects = parseAllDocuments(rendered.stdout).map((d) => d.toJSON() as Obj).filter(Boolean);

    await podman('network', 'create', network);
    for (const service of ['postgres', 'nats']) await start(service);
    await until('PostgreSQL to accept connections', async () => {
      const probe = spawnSync('podman', ['exec', `${prefix}-postgres`, 'pg_isready', '-q', '-h', '127.0.0.1', '-U', 'postgres'], { env });
      return probe.status === 0 || undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    const job = byKind('Job', 'postgres-databases');
    assert.ok(job, 'the local overlay creates the databases with a Job');
    say('running the Job postgres-databases');
    await podman('run', '--rm', ...runArgs(job, 'postgres-databases'));
    const services = ['identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'];
    for (const service of services) await start(service);
    for (const service of services) await ready(service);
    await start('gateway');
    await ready('gateway');
    gateway = `http://127.0.0.1:${published.get('gateway')}`;
    say(`every container ready; the gateway answers at ${gateway}`);
  });

  after(async () => {
    for (const name of started.reverse()) await podman('rm', '--force', '--time', '5', name).catch(() => undefined);
    await podman('network', 'rm', '--force', network).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('sells through the containerised gateway: a purchase reaches DELIVERED', async () => {
    const { token } = (await call('POST', '/api/auth/register', undefined, { email: 'ada@example.com', password: 'password-123', name: 'Ada' })).body;
    assert.ok(token);
    const id = await purchase(token, 'first');
    const order = await delivered(token, id);
    say(`order ${id}: ${order.history.map((h: Obj) => h.status).join(' -> ')}`);
    // What the image promised: a non-root user, nothing writable outside the volumes.
    const user = await podman('exec', `${prefix}-orders`, 'id', '-u');
    assert.equal(user, '10001');
    const write = spawnSync('podman', ['exec', `${prefix}-orders`, 'sh', '-c', 'touch /app/x'], { env });
    assert.notEqual(write.status, 0, 'the root file system is read-only');
  });

  it('restarts a killed service container, and loses nothing', async () => {
    const { token } = (await call('POST', '/api/auth/login', undefined, { email: 'ada@example.com', password: 'password-123' })).body;
    const before = (await call('GET', '/api/orders', token)).body.items.length;
    const container = `${prefix}-payments`;
    const pid = await podman('inspect', '--format', '{{.State.Pid}}', container);
    process.kill(Number(pid), 'SIGKILL');
    say(`SIGKILLed payments (pid ${pid})`);
    await until('payments restarted', async () => {
      const state = await podman('inspect', '--format', '{{.State.Status}} {{.RestartCount}} {{.State.Pid}}', container);
      const [status, restarts, now] = state.split(' ');
      return status === 'running' && Number(restarts) >= 1 && now !== pid ? state : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    await ready('payments');
    const id = await purchase(token, 'after-the-crash');
    const order = await delivered(token, id);
    const all = (await call('GET', '/api/orders', token)).body.items as Obj[];
    assert.equal(all.length, before + 1);
    assert.ok(all.every((o) => o.status === 'DELIVERED'), JSON.stringify(all.map((o) => o.status)));
    const payments = (await call('GET', `/api/payments?orderId=${id}`, token)).body.items as Obj[];
    assert.equal(payments.filter((p) => p.status === 'CAPTURED').length, 1, JSON.stringify(payments));
    say(`after the restart, order ${id}: ${order.status}; orders ${all.length}, all DELIVERED`);
  });

  it('stops on SIGTERM by itself, well within the grace period: the signal reaches Node.js', async () => {
    for (const service of ['gateway', 'orders']) {
      const began = Date.now();
      // podman stop sends the image's STOPSIGNAL (SIGTERM), and SIGKILL only after 25 s.
      await podman('stop', '--time', '25', `${prefix}-${service}`);
      const [code, oomKilled] = (await podman('inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', `${prefix}-${service}`)).split(' ');
      assert.equal(code, '0', `${service} exited ${code}`);
      assert.equal(oomKilled, 'false');
      assert.ok(Date.now() - began < 20_000, `${service} took ${Date.now() - began} ms`);
      say(`${service} stopped on SIGTERM in ${Date.now() - began} ms, exit code 0`);
    }
  });
});
