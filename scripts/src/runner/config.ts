import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { custom, type Env, int, loadConfig, str } from '@microshop/kit/light';
import { parseAutoscale } from './autoscaler.js';

export const MAX_INSTANCES = 16;

/** Services are the folders under services/ that have been built. */
export function discoverServices(root: string): string[] {
  const dir = join(root, 'services');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'dist', 'src', 'server.js')))
    .map((d) => d.name)
    .sort();
}

/** `catalog=2,orders=3` → counts per service (1 for any not named). */
export function parseInstances(text: string | undefined, services: readonly string[]): Record<string, number> {
  const counts = Object.fromEntries(services.map((s) => [s, 1]));
  if (text === undefined) return counts;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(part);
    if (!match) throw new Error(`must look like catalog=2,orders=3; got ${JSON.stringify(part)}`);
    const [, name = '', count = ''] = match;
    if (!services.includes(name)) throw new Error(`names an unknown service ${JSON.stringify(name)} (known: ${services.join(', ')})`);
    const n = Number(count);
    if (n < 1 || n > MAX_INSTANCES) throw new Error(`wants 1 to ${MAX_INSTANCES} instances of ${name}, got ${n}`);
    counts[name] = n;
  }
  return counts;
}

export function loadRunnerConfig(root: string, env: Env = process.env) {
  const services = discoverServices(root);
  return loadConfig(
    {
      root: custom('MICROSHOP_ROOT', () => root),
      services: custom('MICROSHOP_SERVICES', () => services),
      port: int('PORT', { default: 8080, min: 0, max: 65535 }),
      host: str('HOST', { default: 'localhost' }),
      dataDir: str('MICROSHOP_DATA_DIR', { default: './data' }),
      instances: custom('MICROSHOP_INSTANCES', (text) => parseInstances(text, services)),
      autoscale: custom('MICROSHOP_AUTOSCALE', (text) => parseAutoscale(text, services)),
      /** How long a service must stay quiet before the autoscaler takes an instance away (at most 2 minutes). */
      /** How long each step of a canary release (`deploy`) lasts. */
      canaryStepMs: int('MICROSHOP_CANARY_STEP_MS', { default: 30_000, min: 1_000, max: 600_000 }),
      autoscaleCooldownMs: int('MICROSHOP_AUTOSCALE_COOLDOWN_MS', { default: 60_000, min: 5_000, max: 120_000 }),
      logFormat: custom('MICROSHOP_LOG_FORMAT', (text) => {
        const value = (text ?? 'pretty').toLowerCase();
        if (value !== 'pretty' && value !== 'json') throw new Error(`must be pretty or json, got ${JSON.stringify(text)}`);
        return value;
      }),
      readyTimeoutMs: int('MICROSHOP_READY_TIMEOUT_MS', { default: 60_000, min: 1_000, max: 600_000 }),
      livenessTimeoutMs: int('MICROSHOP_LIVENESS_TIMEOUT_MS', { default: 10_000, min: 1_000, max: 3_600_000 }),
    },
    env,
  );
}

export type RunnerConfig = ReturnType<typeof loadRunnerConfig>;
