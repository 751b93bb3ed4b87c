import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs every compiled test file of every workspace with node's test runner. Usage:
 * `npm test` (all), `npm test -- catalog gateway` (only files whose path contains a word).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WORKSPACE_GLOBS = ['packages', 'services'];
const SINGLE_WORKSPACES = ['gateway', 'scripts', 'web'];

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const workspaces = [
  ...WORKSPACE_GLOBS.flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(root, group, d.name))
      : [],
  ),
  ...SINGLE_WORKSPACES.map((name) => join(root, name)),
];
const filters = process.argv.slice(2);
const files = workspaces
  .flatMap((workspace) => testFiles(join(workspace, 'dist')))
  .map((file) => relative(root, file))
  .filter((file) => filters.length === 0 || filters.some((word) => file.includes(word)))
  .sort();

if (files.length === 0) {
  process.stderr.write('no test files found (did the build run?)\n');
  process.exit(1);
}

const concurrency = Math.max(1, Math.min(2, availableParallelism()));
const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-reporter=spec', '--test-timeout=180000', `--test-concurrency=${concurrency}`, ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
