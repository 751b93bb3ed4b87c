import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of the compiled JavaScript under `dir`. */
function newestJs(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * What the runner starts for a process in `dir` (a service's or the gateway's folder): its bundle
 * (`npm run build` makes it, scripts/src/bundle.ts) when it is at least as new as every compiled
 * file it could hold (the process's and the shared packages'), else the compiled server itself,
 * so code compiled with `tsc -b` alone is never shadowed by an old bundle.
 */
export function serverScript(root: string, dir: string): { script: string; bundled: boolean } {
  const compiled = join(dir, 'dist', 'src', 'server.js');
  const bundle = join(dir, 'dist', 'bundle', 'server.mjs');
  if (!existsSync(bundle)) return { script: compiled, bundled: false };
  const packages = join(root, 'packages');
  const sources = [join(dir, 'dist', 'src'), ...readdirSync(packages).map((name) => join(packages, name, 'dist', 'src'))];
  // An install that changed the dependencies the bundle holds makes it old too.
  const installed = join(root, 'node_modules', '.package-lock.json');
  const newest = Math.max(...sources.map(newestJs), existsSync(installed) ? statSync(installed).mtimeMs : 0);
  return statSync(bundle).mtimeMs >= newest ? { script: bundle, bundled: true } : { script: compiled, bundled: false };
}
