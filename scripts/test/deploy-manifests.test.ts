import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Cluster } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster';
import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

// deploy/k8s (SPEC §5c): both overlays render with `kubectl kustomize`, every object validates
// against the Kubernetes schemas and the CRDs used (kubernetes-models; KEDA and CloudNativePG
// from @kubernetes-models/*), and the rendered objects behave as the README says.
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SERVICES = ['identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'];
const PROCESSES = ['gateway', ...SERVICES];
const SHUTDOWN_TIMEOUT_S = 10;
const NAMESPACE = 'microshop';

type Model = new (data: any) => { validate(): void }; // eslint-disable-line @typescript-eslint/no-explicit-any
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace, 'v1/ConfigMap': ConfigMap, 'v1/Secret': Secret, 'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount, 'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment, 'apps/v1/StatefulSet': StatefulSet, 'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy, 'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget, 'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject, 'postgresql.cnpg.io/v1/Cluster': Cluster,
  'argoproj.io/v1alpha1/Rollout': Rollout, 'argoproj.io/v1alpha1/AnalysisTemplate': AnalysisTemplate,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor, 'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const KUBECTL_MISSING = kubectl.error || kubectl.status !== 0 ? 'kubectl is not installed (it renders the overlays: kubectl kustomize)' : false;
const SKIP = KUBECTL_MISSING && process.env.MICROSHOP_REQUIRE_INFRA !== '1' ? KUBECTL_MISSING : false;

const find = (objects: Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
const podSpecOf = (o: Obj): Obj | undefined => (o.kind === 'Job' || o.kind === 'Deployment' || o.kind === 'StatefulSet' ? o.spec?.template?.spec : undefined);
const matches = (selector: Obj | undefined, labels: Record<string, string>): boolean => {
  if (!selector) return false;
  const exprOk = (selector.matchExpressions ?? []).every((e: Obj) => {
    const has = e.key in labels;
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    const inValues = has && (e.values as string[]).includes(labels[e.key] as string);
    return e.operator === 'In' ? inValues : !inValues;
  });
  return exprOk && Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
};
/** `catalog=http://catalog:8080;orders=…` → { catalog: ['http://catalog:8080'], … } */
const upstreams = (text: string) => Object.fromEntries(text.split(';').map((e) => e.split('=') as [string, string]).map(([k, v]) => [k, v.split(',')]));

/** Environment of a Microshop container: its ConfigMaps (envFrom) and its own env values. */
function envOf(objects: Obj[], container: Obj): Record<string, string | Obj> {
  const env: Record<string, string | Obj> = {};
  for (const from of container.envFrom ?? []) Object.assign(env, find(objects, 'ConfigMap', from.configMapRef?.name)?.data ?? {});
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.configMapKeyRef;
    env[e.name] = ref ? find(objects, 'ConfigMap', ref.name)?.data?.[ref.key] : (e.value ?? e.valueFrom);
  }
  return env;
}

/** Pods that the policies apply to, with their labels, and a pod outside the namespace. */
function podsOf(objects: Obj[]): Map<string, { labels: Record<string, string>; namespace: Record<string, string> }> {
  const own = { 'kubernetes.io/metadata.name': NAMESPACE };
  const pods = new Map<string, { labels: Record<string, string>; namespace: Record<string, string> }>();
  for (const o of objects) {
    if (podSpecOf(o)) pods.set(o.metadata.name, { labels: o.spec.template.metadata?.labels ?? {}, namespace: own });
    if (o.kind === 'Cluster') pods.set(o.metadata.name, { labels: o.spec.inheritedMetadata?.labels ?? {}, namespace: own });
  }
  pods.set('ingress-controller', { labels: { 'app.kubernetes.io/name': 'ingress-nginx' }, namespace: { 'kubernetes.io/metadata.name': 'ingress-nginx' } });
  // kube-prometheus-stack's Prometheus, which the canaries' analysis asks.
  pods.set('prometheus', { labels: { 'app.kubernetes.io/name': 'prometheus' }, namespace: { 'kubernetes.io/metadata.name': 'monitoring' } });
  return pods;
}

/** Whether the namespace's NetworkPolicies let `from` open a TCP connection to `to` on `port`. */
function allowed(objects: Obj[], from: string, to: string, port: number): boolean {
  const pods = podsOf(objects);
  const [a, b] = [pods.get(from), pods.get(to)];
  assert.ok(a && b, `no pod ${a ? to : from}`);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const peerOk = (peers: Obj[] | undefined, pod: { labels: Record<string, string>; namespace: Record<string, string> }) =>
    !peers || peers.length === 0 || peers.some((p) => {
      if (p.ipBlock) return pod.namespace['kubernetes.io/metadata.name'] !== NAMESPACE; // only for addresses outside
      const nsOk = p.namespaceSelector ? matches(p.namespaceSelector, pod.namespace) : pod.namespace['kubernetes.io/metadata.name'] === NAMESPACE;
      return nsOk && (!p.podSelector || matches(p.podSelector, pod.labels));
    });
  const portOk = (ports: Obj[] | undefined) => !ports || ports.length === 0 || ports.some((p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || p.port === port));
  const side = (pod: typeof a, type: 'Ingress' | 'Egress', other: typeof a) => {
    if (pod.namespace['kubernetes.io/metadata.name'] !== NAMESPACE) return true; // not ours to police
    const applying = policies.filter((p) => matches(p.spec.podSelector, pod.labels) && (p.spec.policyTypes ?? ['Ingress']).includes(type));
    if (applying.length === 0) return true;
    const key = type === 'Ingress' ? 'ingress' : 'egress';
    return applying.some((p) => (p.spec[key] ?? []).some((rule: Obj) => peerOk(rule[type === 'Ingress' ? 'from' : 'to'], other) && portOk(rule.ports)));
  };
  return side(a, 'Egress', b) && side(b, 'Ingress', a);
}

/** The event types each service handles (`bus.on('<type>', …)` in its app.ts): its durable consumers on NATS. */
function consumedTypes(service: string): string[] {
  const source = readFileSync(join(root, 'services', service, 'src', 'app.ts'), 'utf8');
  return [...source.matchAll(/bus\.on\(\s*'([^']+)'/g)].map((m) => m[1] as string).sort();
}

/** Every way the rendered overlay departs from the README's rules, as readable lines (empty: none). */
function problemsOf(objects: Obj[], overlay: 'local' | 'production'): string[] {
  const problems: string[] = [];
  const say = (o: Obj, what: string) => problems.push(`${o.kind}/${o.metadata?.name}: ${what}`);
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) say(o, `no schema to validate ${o.apiVersion} ${o.kind} against (add its model to MODELS)`);
    else {
      try {
        new Model(o).validate();
      } catch (error) {
        say(o, `invalid: ${(error as Error).message}`);
      }
    }
    if (o.kind !== 'Namespace' && o.metadata?.namespace !== NAMESPACE) say(o, `not in the namespace ${NAMESPACE}`);
  }
  const ns = find(objects, 'Namespace', NAMESPACE);
  if (ns?.metadata?.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') problems.push('the namespace does not enforce the restricted Pod Security Standard');

  // Every workload: the restricted profile, resources, pinned images, mounted volumes, key modes.
  for (const o of objects) {
    const pod = podSpecOf(o);
    if (!pod) continue;
    if (pod.automountServiceAccountToken !== false) say(o, 'mounts a service account token');
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') say(o, 'has no RuntimeDefault seccomp profile');
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const sc = c.securityContext ?? {};
      if (!(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) say(o, `${c.name} may run as root`);
      if (sc.readOnlyRootFilesystem !== true) say(o, `${c.name} has a writable root file system`);
      if (sc.allowPrivilegeEscalation !== false) say(o, `${c.name} allows privilege escalation`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) say(o, `${c.name} keeps capabilities`);
      for (const r of ['requests', 'limits']) for (const k of ['cpu', 'memory']) if (!c.resources?.[r]?.[k]) say(o, `${c.name} has no ${r}.${k}`);
      const image = String(c.image);
      const tag = image.includes('@sha256:') ? 'digest' : /:([^/:]+)$/.exec(image)?.[1];
      if (!tag || tag === 'latest') say(o, `${c.name} image ${image} is not pinned to a tag`);
      else if (image.startsWith('microshop/') && (overlay === 'local') !== (tag === 'local')) say(o, `${c.name} image ${image} has the wrong tag for ${overlay}`);
      const volumes = [...(pod.volumes ?? []), ...(o.spec.volumeClaimTemplates ?? []).map((t: Obj) => t.metadata)];
      for (const m of c.volumeMounts ?? []) if (!volumes.some((v: Obj) => v.name === m.name)) say(o, `${c.name} mounts ${m.name}, which is no volume`);
    }
    for (const v of pod.volumes ?? []) {
      if (!v.secret) continue;
      if (v.secret.defaultMode !== 0o440) say(o, `secret volume ${v.name} has mode ${Number(v.secret.defaultMode).toString(8)}, not 440`);
      if (!find(objects, 'Secret', v.secret.secretName)) say(o, `secret volume ${v.name} names ${v.secret.secretName}, which is not rendered`);
    }
  }

  // Microshop's processes: probes, rollouts, shutdown, configuration, identity, reachability.
  const hpaTargets = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.spec.scaleTargetRef.name as string);
  const kedaTargets = objects.filter((o) => o.kind === 'ScaledObject').map((o) => o.spec.scaleTargetRef.name as string);
  for (const name of PROCESSES) {
    const d = find(objects, 'Deployment', name);
    if (!d) {
      problems.push(`Deployment/${name}: missing`);
      continue;
    }
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    const probe = (p: Obj | undefined, path: string) => p?.httpGet?.path === path && (p.httpGet.port === 8080 || p.httpGet.port === 'http');
    if (!probe(c.startupProbe, '/readyz')) say(d, 'has no startup probe on /readyz');
    if (!probe(c.readinessProbe, '/readyz')) say(d, 'has no readiness probe on /readyz');
    if (!probe(c.livenessProbe, '/healthz')) say(d, 'has no liveness probe on /healthz');
    if (!(c.ports ?? []).some((p: Obj) => p.containerPort === 8080 && p.name === 'http')) say(d, 'does not declare port 8080 (http)');
    if (d.spec.strategy?.type !== 'RollingUpdate' || d.spec.strategy.rollingUpdate?.maxUnavailable !== 0) say(d, 'does not roll out with maxUnavailable 0');
    const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
    if (!((pod.terminationGracePeriodSeconds ?? 30) > SHUTDOWN_TIMEOUT_S + preStop)) say(d, `grace period is not longer than preStop + ${SHUTDOWN_TIMEOUT_S} s`);
    const env = envOf(objects, c);
    for (const [k, v] of Object.entries({ HOST: '0.0.0.0', PORT: '8080', MICROSHOP_BUS: 'nats://nats:4222', MICROSHOP_DATA_DIR: '/var/lib/microshop' })) {
      if (env[k] !== v) say(d, `${k} is ${JSON.stringify(env[k])}, not ${v}`);
    }
    const mountOf = (file: unknown) => (c.volumeMounts ?? []).find((m: Obj) => typeof file === 'string' && dirname(file) === m.mountPath);
    const volumeOf = (file: unknown) => pod.volumes.find((v: Obj) => v.name === mountOf(file)?.name);
    for (const dir of ['/tmp', '/var/lib/microshop']) {
      if (!pod.volumes.find((v: Obj) => v.name === (c.volumeMounts ?? []).find((m: Obj) => m.mountPath === dir)?.name)?.emptyDir) say(d, `${dir} is no emptyDir`);
    }
    const keyFiles = { MICROSHOP_SERVICE_KEY_FILE: 'secret', MICROSHOP_TRUST_FILE: 'configMap', ...(name === 'identity' ? { IDENTITY_SIGNING_KEY_FILE: 'secret' } : {}) };
    for (const [variable, source] of Object.entries(keyFiles)) {
      const volume = volumeOf(env[variable]);
      const ref = source === 'secret' ? volume?.secret?.secretName : volume?.configMap?.name;
      const data = find(objects, source === 'secret' ? 'Secret' : 'ConfigMap', ref)?.data ?? {};
      if (!(String(env[variable]).split('/').pop() as string in data)) say(d, `${variable} (${String(env[variable])}) is not a file of a mounted ${source}`);
    }
    const dbUrl = env[`${name.toUpperCase()}_DATABASE_URL`] as Obj | undefined;
    if (name === 'gateway' ? dbUrl : dbUrl?.secretKeyRef?.key !== 'uri') say(d, name === 'gateway' ? 'has a database' : 'takes no database URL from a Secret');
    if (name !== 'gateway' && overlay === 'local' && !find(objects, 'Secret', dbUrl?.secretKeyRef?.name)?.data?.uri) say(d, 'database Secret is not rendered');
    if (name !== 'gateway' && overlay === 'production' && find(objects, 'Cluster', `${name}-db`)?.spec?.bootstrap?.initdb?.database !== name) {
      say(d, `has no CloudNativePG Cluster ${name}-db bootstrapping its database`);
    }
    const wanted = name === 'gateway' ? SERVICES : name === 'orders' ? ['cart', 'payments'] : [];
    const ups = typeof env.MICROSHOP_UPSTREAMS === 'string' ? upstreams(env.MICROSHOP_UPSTREAMS) : {};
    if (Object.keys(ups).sort().join() !== [...wanted].sort().join()) say(d, `MICROSHOP_UPSTREAMS names ${Object.keys(ups).join() || 'nothing'}, not ${wanted.join() || 'nothing'}`);
    for (const [svc, urls] of Object.entries(ups)) {
      if (urls.join() !== `http://${svc}:8080` || !find(objects, 'Service', svc)?.spec?.ports?.some((p: Obj) => p.port === 8080)) say(d, `upstream ${svc} is not its Service on 8080`);
    }
    const sa = find(objects, 'ServiceAccount', pod.serviceAccountName);
    if (pod.serviceAccountName !== name || sa?.automountServiceAccountToken !== false) say(d, 'does not run as its own token-less ServiceAccount');
    const service = find(objects, 'Service', name);
    if (!matches({ matchLabels: service?.spec?.selector }, d.spec.template.metadata.labels)) say(d, 'has no Service selecting it');
    if (!objects.some((o) => o.kind === 'PodDisruptionBudget' && matches(o.spec.selector, d.spec.template.metadata.labels))) say(d, 'has no PodDisruptionBudget');
    if (hpaTargets.includes(name) && kedaTargets.includes(name)) say(d, 'is targeted by both an HPA and a KEDA ScaledObject');
    const consumes = name === 'gateway' ? [] : consumedTypes(name);
    if (overlay === 'local') {
      if (hpaTargets.includes(name) || kedaTargets.includes(name) || (d.spec.replicas ?? 1) !== 1) say(d, 'is not one unscaled replica');
      continue;
    }
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === name);
    const so = objects.find((o) => o.kind === 'ScaledObject' && o.spec.scaleTargetRef.name === name);
    const min = hpa?.spec?.minReplicas ?? so?.spec?.minReplicaCount ?? d.spec.replicas ?? 1;
    if (min < 2) say(d, `runs ${min} replica(s) at least, not 2`);
    if ((hpa || so) && d.spec.replicas !== undefined) say(d, 'sets replicas that its autoscaler owns (every apply would reset them)');
    if (consumes.length > 0 ? !so : !hpa) say(d, consumes.length > 0 ? 'consumes events but has no KEDA ScaledObject' : 'has no HorizontalPodAutoscaler');
    if (so) {
      const triggers = so.spec.triggers as Obj[];
      const durables = triggers.filter((t) => t.type === 'nats-jetstream').map((t) => t.metadata.consumer as string).sort();
      const expected = consumes.map((t) => `${name}__${t.replace(/[^A-Za-z0-9_-]/g, '_')}`).sort();
      if (durables.join() !== expected.join()) say(so, `watches consumers ${durables.join()}, but ${name} consumes ${expected.join()}`);
      for (const t of triggers.filter((t) => t.type === 'nats-jetstream')) {
        const endpoint = String(t.metadata.natsServerMonitoringEndpoint);
        if (t.metadata.stream !== 'MICROSHOP_EVENTS' || endpoint !== `nats-headless.${NAMESPACE}.svc.cluster.local:8222` || !t.metadata.account) {
          say(so, `trigger ${t.metadata.consumer} does not read MICROSHOP_EVENTS from the servers' monitoring ports`);
        }
      }
      if (!triggers.some((t) => t.type === 'cpu')) say(so, 'has no CPU trigger');
    }
  }
  for (const target of [...hpaTargets, ...kedaTargets]) if (!find(objects, 'Deployment', target)) problems.push(`an autoscaler targets ${target}, which is no Deployment`);

  // Canary releases (production): every service but the gateway is a Rollout over its Deployment,
  // shifting 5, 25, 50, 100 % under the canary-health analysis, and what its autoscaler scales.
  const rollouts = objects.filter((o) => o.kind === 'Rollout');
  if (overlay === 'local' && rollouts.length > 0) problems.push('the local overlay has Rollouts (it installs no Argo Rollouts)');
  if (overlay === 'production') {
    const template = find(objects, 'AnalysisTemplate', 'canary-health');
    if (!template) problems.push('AnalysisTemplate/canary-health: missing');
    for (const name of SERVICES) {
      const r = find(objects, 'Rollout', name);
      if (!r) {
        problems.push(`Rollout/${name}: missing`);
        continue;
      }
      const ref = r.spec.workloadRef;
      if (ref?.kind !== 'Deployment' || ref.name !== name || !find(objects, 'Deployment', name)) say(r, 'does not take its pods over from its Deployment');
      const canary = r.spec.strategy?.canary ?? {};
      const weights = (canary.steps ?? []).filter((step: Obj) => step.setWeight !== undefined).map((step: Obj) => step.setWeight);
      if (weights.join() !== '5,25,50,100') say(r, `shifts ${weights.join() || 'nothing'} %, not 5, 25, 50, 100`);
      if (!canary.analysis?.templates?.some((t: Obj) => t.templateName === 'canary-health')) say(r, 'runs no canary-health analysis');
      const given = new Set((canary.analysis?.args ?? []).map((a: Obj) => a.name));
      for (const arg of template?.spec?.args ?? []) if (arg.value === undefined && !given.has(arg.name)) say(r, `gives the analysis no ${arg.name}`);
      const target = objects.find((o) => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind) && o.spec.scaleTargetRef.name === name)?.spec.scaleTargetRef;
      if (target?.kind !== 'Rollout') say(r, 'is not what its autoscaler scales (the two would fight over the pods)');
    }
    if (find(objects, 'Rollout', 'gateway')) problems.push('Rollout/gateway: the gateway rolls as a Deployment');
    // The analysis judges on what Prometheus scrapes: every process must be scraped, and a canary
    // nobody measured must not pass on empty series.
    const monitors = objects.filter((o) => o.kind === 'PodMonitor');
    for (const name of PROCESSES) {
      const workload = find(objects, 'Deployment', name);
      const labels = workload?.spec?.template?.metadata?.labels ?? {};
      const ports = new Set((workload?.spec?.template?.spec?.containers ?? []).flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => p.name)));
      const scraped = monitors.some((m) => matches(m.spec.selector, labels) && (m.spec.podMetricsEndpoints ?? []).some((e: Obj) => ports.has(e.port) && e.path === '/metrics'));
      if (!scraped) problems.push(`${name}: no PodMonitor scrapes its /metrics (the canary analysis would have nothing to judge)`);
      if (!allowed(objects, 'prometheus', name, 8080)) problems.push(`NetworkPolicy: prometheus → ${name}:8080 is denied`);
    }
    const measured = (template?.spec?.metrics ?? []).some(
      (m: Obj) =>
        /canary-hash/.test(m.provider?.prometheus?.query ?? '') &&
        /http_requests_total/.test(m.provider?.prometheus?.query ?? '') &&
        /^result\[0\] >= 1$/.test(m.successCondition ?? '') &&
        m.failureCondition !== undefined,
    );
    if (template && !measured) problems.push('AnalysisTemplate/canary-health: nothing checks that the canary answered (empty series pass every comparison)');
  }

  // Network policies: denied by default, exactly the calls the README lists allowed.
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const denyAll = (p: Obj) => Object.keys(p.spec.podSelector ?? {}).length === 0 && !p.spec.ingress && !p.spec.egress
    && p.spec.policyTypes?.length === 2;
  if (!policies.some(denyAll)) problems.push('no default-deny NetworkPolicy');
  const expect = (from: string, to: string, port: number, yes: boolean) => {
    if (allowed(objects, from, to, port) !== yes) problems.push(`NetworkPolicy: ${from} → ${to}:${port} is ${yes ? 'denied' : 'allowed'}`);
  };
  const postgres = overlay === 'local' ? 'postgres' : 'orders-db';
  expect('ingress-controller', 'gateway', 8080, true);
  for (const s of SERVICES) {
    expect('gateway', s, 8080, true);
    expect('ingress-controller', s, 8080, false);
    expect(s, overlay === 'local' ? 'postgres' : `${s}-db`, 5432, true);
    expect(s, 'nats', 4222, true);
    // Spans, to the gateway's trace store.
    expect(s, 'gateway', 8080, true);
    for (const other of SERVICES) if (other !== s) expect(s, other, 8080, s === 'orders' && (other === 'cart' || other === 'payments'));
  }
  expect('gateway', postgres, 5432, false);
  expect('gateway', 'nats', 4222, false);
  expect('ingress-controller', postgres, 5432, false);
  expect('ingress-controller', 'nats', 4222, false);
  if (overlay === 'production') problems.push(...releaseProblems(objects));
  const ingress = find(objects, 'Ingress', 'gateway');
  if (ingress?.spec?.rules?.[0]?.http?.paths?.[0]?.backend?.service?.name !== 'gateway') problems.push('no Ingress to the gateway');
  return problems;
}

/** What deploy.yml applies: a release, one process's objects and the configuration; the platform, all but those Deployments. */
function releaseProblems(objects: Obj[]): string[] {
  const problems: string[] = [];
  const label = (o: Obj, key: string) => o.metadata?.labels?.[`app.kubernetes.io/${key}`];
  const platform = objects.filter((o) => !['gateway', 'service'].includes(label(o, 'component')));
  for (const name of PROCESSES) {
    const release = objects.filter((o) => label(o, 'name') === name || label(o, 'component') === 'configuration');
    const d = find(release, 'Deployment', name);
    if (!d) {
      if (find(objects, 'Deployment', name)) problems.push(`release of ${name}: does not apply its Deployment`);
      continue;
    }
    if (platform.includes(d)) problems.push(`the platform release applies Deployment/${name} (with an old image)`);
    const pod = d.spec.template.spec;
    const refs: Array<[string, string]> = [['ServiceAccount', pod.serviceAccountName], ['Service', name]];
    for (const v of pod.volumes ?? []) {
      if (v.secret) refs.push(['Secret', v.secret.secretName]);
      if (v.configMap) refs.push(['ConfigMap', v.configMap.name]);
    }
    for (const c of pod.containers) {
      for (const f of c.envFrom ?? []) if (f.configMapRef) refs.push(['ConfigMap', f.configMapRef.name]);
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
        const madeByCloudNativePG = String(ref?.name).endsWith('-db-app');
        if (ref && !ref.optional && !madeByCloudNativePG) refs.push([e.valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret', ref.name]);
      }
    }
    for (const [kind, ref] of refs) if (!find(release, kind, ref)) problems.push(`release of ${name}: does not apply ${kind}/${ref}, which it needs`);
  }
  for (const o of objects) {
    if (!platform.includes(o) && !PROCESSES.includes(label(o, 'name'))) problems.push(`${o.kind}/${o.metadata.name}: applied by no release`);
  }
  return problems;
}

function render(overlayDir: string): Obj[] {
  const out = spawnSync('kubectl', ['kustomize', overlayDir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(out.status, 0, `kubectl kustomize ${overlayDir} failed: ${out.stderr}`);
  const objects = parseAllDocuments(out.stdout).map((doc) => doc.toJS() as Obj).filter(Boolean);
  // Kustomize wraps a Secret's base64 at 70 columns; the API server's decoder skips the line breaks.
  for (const o of objects) if (o.kind === 'Secret') for (const k of Object.keys(o.data ?? {})) o.data[k] = String(o.data[k]).replace(/\s+/g, '');
  return objects;
}

describe('Kubernetes manifests (deploy/k8s)', { skip: SKIP }, () => {
  let work = '';
  const rendered: Record<string, Obj[]> = {};
  before(() => {
    assert.ok(!KUBECTL_MISSING, `${KUBECTL_MISSING}; MICROSHOP_REQUIRE_INFRA=1 needs it`);
    // A copy with its own key material, made as the README says, so a fresh clone renders too.
    work = mkdtempSync(join(tmpdir(), 'microshop-k8s-'));
    cpSync(join(root, 'deploy', 'k8s'), work, { recursive: true, filter: (src) => !src.split(sep).includes('secrets') });
    for (const overlay of ['local', 'production']) {
      const keys = spawnSync(process.execPath, [join(root, 'scripts', 'dist', 'src', 'keys.js'), join(work, 'overlays', overlay, 'secrets')], { encoding: 'utf8' });
      assert.equal(keys.status, 0, keys.stderr);
      rendered[overlay] = render(join(work, 'overlays', overlay));
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const overlay of ['local', 'production'] as const) {
    it(`${overlay}: every object validates and follows the rules`, () => {
      assert.deepEqual(problemsOf(rendered[overlay] ?? [], overlay), []);
    });
  }

  it('local: one PostgreSQL and one NATS as Deployments, and a Job that creates every database', () => {
    const objects = rendered.local ?? [];
    assert.equal(find(objects, 'Deployment', 'postgres')?.spec.template.spec.containers[0].image, 'microshop/postgres:local');
    assert.equal(find(objects, 'Deployment', 'nats')?.spec.template.spec.containers[0].image, 'microshop/nats:local');
    const script = (find(objects, 'Job', 'postgres-databases')?.spec.template.spec.containers[0].command as string[]).join(' ');
    for (const s of SERVICES) assert.match(script, new RegExp(`\\b${s}\\b`), `the Job does not create ${s}`);
    assert.ok(!objects.some((o) => o.kind === 'StatefulSet' || o.kind === 'Cluster'));
  });

  it('production: a three-server NATS StatefulSet behind a headless Service, one PostgreSQL cluster per service', () => {
    const objects = rendered.production ?? [];
    const nats = find(objects, 'StatefulSet', 'nats');
    assert.equal(nats?.spec.replicas, 3);
    const headless = find(objects, 'Service', nats?.spec.serviceName);
    assert.equal(headless?.spec.clusterIP, 'None');
    assert.equal(headless?.spec.publishNotReadyAddresses, true);
    const conf = Object.values(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nats-config'))?.data ?? {}).join();
    for (const i of [0, 1, 2]) assert.match(conf, new RegExp(`nats://nats-${i}\\.${nats?.spec.serviceName}:6222`));
    assert.deepEqual(objects.filter((o) => o.kind === 'Cluster').map((o) => o.spec.bootstrap.initdb.database).sort(), [...SERVICES].sort());
    assert.ok(objects.filter((o) => o.kind === 'Cluster').every((o) => o.spec.instances >= 2));
  });

  it('the checks catch a broken manifest', () => {
    const base = rendered.production ?? [];
    const broken = (change: (objects: Obj[]) => void): string[] => {
      const objects = structuredClone(base);
      change(objects);
      return problemsOf(objects, 'production');
    };
    const catalog = (objects: Obj[]) => find(objects, 'Deployment', 'catalog') as Obj;
    const cases: Array<[string, (objects: Obj[]) => void, RegExp]> = [
      ['no liveness probe', (o) => delete catalog(o).spec.template.spec.containers[0].livenessProbe, /catalog: has no liveness probe/],
      ['replicas as text', (o) => (catalog(o).spec.replicas = 'two'), /catalog: invalid: .*replicas must be integer/],
      ['image :latest', (o) => (catalog(o).spec.template.spec.containers[0].image = 'microshop/catalog:latest'), /not pinned/],
      ['a readable key', (o) => (catalog(o).spec.template.spec.volumes.find((v: Obj) => v.name === 'key').secret.defaultMode = 0o644), /mode 644/],
      ['maxUnavailable 1', (o) => (catalog(o).spec.strategy.rollingUpdate.maxUnavailable = 1), /maxUnavailable 0/],
      ['a writable root', (o) => (catalog(o).spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false), /writable root/],
      ['a short grace period', (o) => (catalog(o).spec.template.spec.terminationGracePeriodSeconds = 10), /grace period/],
      ['an HPA on a KEDA workload', (o) => {
        const hpa = structuredClone(find(o, 'HorizontalPodAutoscaler', 'catalog') as Obj);
        hpa.metadata.name = 'cart';
        hpa.spec.scaleTargetRef.name = 'cart';
        o.push(hpa);
      }, /cart: is targeted by both/],
      ['a missing consumer trigger', (o) => (find(o, 'ScaledObject', 'orders') as Obj).spec.triggers.shift(), /orders: watches consumers/],
      ['a policy that opens everything', (o) => o.push({
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open', namespace: NAMESPACE },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
      }), /catalog → orders:8080 is allowed/],
      ['orders cut off from payments', (o) => (find(o, 'NetworkPolicy', 'cart-and-payments-from-orders') as Obj).spec.podSelector.matchExpressions[0].values.pop(),
        /orders → payments:8080 is denied/],
      ['a key Secret no release applies', (o) => delete (o.find((x) => x.kind === 'Secret' && x.metadata.name.startsWith('orders-key')) as Obj).metadata.labels,
        /release of orders: does not apply Secret\/orders-key/],
      ['an unknown kind', (o) => o.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NAMESPACE } }), /no schema/],
      ['a canary that jumps to half', (o) => (find(o, 'Rollout', 'orders') as Obj).spec.strategy.canary.steps.splice(0, 2), /Rollout\/orders: shifts 25,50,100 %/],
      ['an autoscaler on the Deployment under a Rollout', (o) => {
        (find(o, 'HorizontalPodAutoscaler', 'catalog') as Obj).spec.scaleTargetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'catalog' };
      }, /Rollout\/catalog: is not what its autoscaler scales/],
      ['a Rollout without its hashes', (o) => (find(o, 'Rollout', 'cart') as Obj).spec.strategy.canary.analysis.args.pop(), /Rollout\/cart: gives the analysis no stable-hash/],
      ['a step as text', (o) => ((find(o, 'Rollout', 'cart') as Obj).spec.strategy.canary.steps[0].setWeight = 'five'), /Rollout\/cart: invalid/],
      ['no PodMonitor', (o) => o.splice(o.findIndex((x) => x.kind === 'PodMonitor'), 1), /orders: no PodMonitor scrapes/],
      ['Prometheus kept out', (o) => o.splice(o.findIndex((x) => x.kind === 'NetworkPolicy' && x.metadata.name === 'prometheus-scrapes-microshop'), 1),
        /prometheus → catalog:8080 is denied/],
      ['an analysis that passes on empty series', (o) => (find(o, 'AnalysisTemplate', 'canary-health') as Obj).spec.metrics.shift(), /nothing checks that the canary answered/],
    ];
    for (const [what, change, expected] of cases) {
      const found = broken(change);
      assert.ok(found.some((p) => expected.test(p)), `${what}: expected a problem matching ${expected}, got ${JSON.stringify(found)}`);
    }
  });

  it('no key material is kept in the repository', () => {
    const gitignore = readFileSync(join(root, '.gitignore'), 'utf8');
    assert.match(gitignore, /^\/deploy\/k8s\/overlays\/\*\/secrets\/$/m);
    const files = readdirSync(join(root, 'deploy', 'k8s'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !join(e.parentPath, e.name).split(sep).includes('secrets'));
    for (const file of files) {
      const text = readFileSync(join(file.parentPath, file.name), 'utf8');
      assert.ok(!file.name.endsWith('.key.json') && !/"d"\s*:\s*"/.test(text), `${file.name} holds a private key`);
    }
  });
});
