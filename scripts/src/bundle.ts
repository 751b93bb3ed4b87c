import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * `npm run build`'s last step: each service's and the gateway's compiled server, with everything
 * it imports, in one ES module (`dist/bundle/server.mjs`), which the local runner starts when it
 * is up to date (runner/scripts.ts). Measured on the catalog, a start then takes about half the
 * CPU (0.7 s instead of 1.6 s) and 18 MiB less memory: most of a start was Node resolving and
 * linking the hundreds of small files of TypeBox, Kysely, Fastify and the OpenTelemetry packages.
 * Left outside: native and optional modules (better-sqlite3 loads a compiled addon, pg an
 * optional native driver), found in node_modules as before.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native'];

function processDirs(): string[] {
  const services = readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(root, 'services', d.name));
  return [...services, join(root, 'gateway')].filter((dir) => existsSync(join(dir, 'dist', 'src', 'server.js')));
}

const began = performance.now();
const dirs = processDirs();
await Promise.all(
  dirs.map((dir) =>
    build({
      entryPoints: { server: join(dir, 'dist', 'src', 'server.js') },
      outdir: join(dir, 'dist', 'bundle'),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      // The lazily imported parts (the PostgreSQL dialect, the NATS transport) stay lazy: chunks.
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      external: EXTERNAL,
      // The CommonJS packages inside (Fastify, pino, prom-client) call require for Node's modules.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'warning',
      legalComments: 'linked',
    }),
  ),
);
process.stdout.write(`bundled ${dirs.map((dir) => relative(root, dir)).join(', ')} in ${Math.round(performance.now() - began)} ms\n`);
