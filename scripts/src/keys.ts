import { resolve } from 'node:path';
import { ensureLocalKeys } from '@microshop/kit/light';

/**
 * `npm run keys -- <dir>`: the key material of a deployment, made as a local start makes its own:
 * one private key per process, identity's token key and the trust bundle of their public halves,
 * each file mode 0600 in a 0700 directory. Existing keys are kept; the bundle is rewritten.
 * Turn them into Secrets (and the bundle into a ConfigMap): see the README's trust boundary.
 */
const PROCESSES = ['gateway', 'identity', 'catalog', 'cart', 'orders', 'inventory', 'payments', 'shipping', 'notifications'];

const [dir, ...rest] = process.argv.slice(2);
if (!dir || rest.length > 0 || dir.startsWith('-')) {
  process.stderr.write('usage: npm run keys -- <directory>\n');
  process.exit(2);
}
process.umask(0o077);
const keys = await ensureLocalKeys(resolve(dir), PROCESSES);
process.stdout.write(`keys in ${keys.dir}:\n  trust bundle (public keys, every process): ${keys.trustFile}\n`);
process.stdout.write(`  identity's token signing key (identity only): ${keys.identitySigningFile}\n`);
for (const name of PROCESSES) process.stdout.write(`  ${name}'s own key (${name} only): ${keys.serviceKeyFile(name)}\n`);
