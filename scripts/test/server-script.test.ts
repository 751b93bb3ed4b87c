import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { tempDir } from '@microshop/testing';
import { serverScript } from '../src/runner/scripts.js';

describe('serverScript: a bundle is started only while it is up to date', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A repository with one service and one shared package, every file written at `at` (seconds). */
  async function repository(at: number): Promise<{ root: string; service: string; touch: (path: string, seconds: number) => void }> {
    const root = await tempDir('microshop-script-');
    dirs.push(root);
    const service = join(root, 'services', 'catalog');
    const touch = (path: string, seconds: number) => {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '');
      utimesSync(path, seconds, seconds);
    };
    touch(join(service, 'dist', 'src', 'server.js'), at);
    touch(join(service, 'dist', 'src', 'routes', 'products.js'), at);
    touch(join(root, 'packages', 'kit', 'dist', 'src', 'index.js'), at);
    return { root, service, touch };
  }

  it('starts the compiled server when there is no bundle', async () => {
    const { root, service } = await repository(1_000);
    assert.deepEqual(serverScript(root, service), { script: join(service, 'dist', 'src', 'server.js'), bundled: false });
  });

  it('starts the bundle when it is as new as every compiled file', async () => {
    const { root, service, touch } = await repository(1_000);
    touch(join(service, 'dist', 'bundle', 'server.mjs'), 1_000);
    assert.deepEqual(serverScript(root, service), { script: join(service, 'dist', 'bundle', 'server.mjs'), bundled: true });
  });

  it('passes over a bundle older than a file compiled after it, in the service or in a shared package', async () => {
    const first = await repository(1_000);
    first.touch(join(first.service, 'dist', 'bundle', 'server.mjs'), 1_000);
    first.touch(join(first.service, 'dist', 'src', 'routes', 'products.js'), 2_000);
    assert.equal(serverScript(first.root, first.service).bundled, false);

    const second = await repository(1_000);
    second.touch(join(second.service, 'dist', 'bundle', 'server.mjs'), 1_000);
    second.touch(join(second.root, 'packages', 'kit', 'dist', 'src', 'index.js'), 2_000);
    assert.deepEqual(serverScript(second.root, second.service), { script: join(second.service, 'dist', 'src', 'server.js'), bundled: false });
  });

  it('passes over a bundle older than the last install of the dependencies it holds', async () => {
    const { root, service, touch } = await repository(1_000);
    touch(join(service, 'dist', 'bundle', 'server.mjs'), 1_000);
    touch(join(root, 'node_modules', '.package-lock.json'), 900);
    assert.equal(serverScript(root, service).bundled, true);
    touch(join(root, 'node_modules', '.package-lock.json'), 2_000);
    assert.equal(serverScript(root, service).bundled, false);
  });
});

describe('the bundles npm run build writes', () => {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

  // V8 keeps a module's source for as long as the process runs, in two bytes a character if a
  // single one of them is outside Latin-1: for a 4.6 MB bundle, 4 MB more of every process's heap.
  it('hold only ASCII, so each process keeps its source in one byte a character', () => {
    const bundles = ['gateway', ...readdirSync(join(root, 'services')).map((name) => join('services', name))]
      .map((dir) => join(root, dir, 'dist', 'bundle'))
      .filter((dir) => existsSync(dir));
    assert.ok(bundles.length > 0, 'no bundle found: npm run build writes them');
    for (const dir of bundles) {
      for (const file of readdirSync(dir).filter((name) => name.endsWith('.mjs'))) {
        const text = readFileSync(join(dir, file), 'utf8');
        const at = text.search(/[^\x00-\x7f]/);
        assert.equal(at, -1, `${join(dir, file)} holds ${JSON.stringify(text.slice(at, at + 1))} at ${at}`);
      }
    }
  });
});
