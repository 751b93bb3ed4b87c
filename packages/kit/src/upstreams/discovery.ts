import type { FastifyBaseLogger } from 'fastify';
import { UPSTREAMS_MESSAGE } from '../config.js';
import { type Canary, Upstreams } from './pool.js';

/** `{ type: 'microshop.upstreams', upstreams: { catalog: ['http://…'], … } }`, or undefined for any other message. */
export function parseUpstreamsMessage(message: unknown): Record<string, string[]> | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { type, upstreams } = message as { type?: unknown; upstreams?: unknown };
  if (type !== UPSTREAMS_MESSAGE || typeof upstreams !== 'object' || upstreams === null) return undefined;
  const lists = Object.entries(upstreams as Record<string, unknown>);
  const valid = lists.every(([, urls]) => Array.isArray(urls) && urls.every((url) => typeof url === 'string' && /^https?:\/\/[^/]+$/.test(url)));
  return valid ? (Object.fromEntries(lists) as Record<string, string[]>) : undefined;
}

/** The `canaries` of an upstreams message (`{ catalog: { url, percent } }`), or {} when it has none or they are malformed. */
export function parseCanaries(message: unknown): Record<string, Canary> {
  const canaries = (message as { canaries?: unknown } | null)?.canaries;
  if (typeof canaries !== 'object' || canaries === null) return {};
  const out: Record<string, Canary> = {};
  for (const [service, value] of Object.entries(canaries as Record<string, unknown>)) {
    const { url, percent } = (value ?? {}) as { url?: unknown; percent?: unknown };
    if (typeof url === 'string' && /^https?:\/\/[^/]+$/.test(url) && typeof percent === 'number' && Number.isFinite(percent)) out[service] = { url, percent };
  }
  return out;
}

/**
 * Keeps `upstreams` current with the instance lists the local runner sends over its IPC channel
 * whenever it adds or removes an instance; returns what stops listening. (On Kubernetes a
 * Service's name is the one stable address, so no list ever arrives.)
 */
export function followRunner(upstreams: Upstreams, only?: readonly string[]): () => void {
  const onMessage = (message: unknown) => {
    const update = parseUpstreamsMessage(message);
    if (!update) return;
    upstreams.update(only ? Object.fromEntries(Object.entries(update).filter(([name]) => only.includes(name))) : update);
    upstreams.setCanaries(parseCanaries(message));
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}

/**
 * A service's view of the others it calls: the same pool, health checks and live updates as the
 * gateway's, limited to `services`. Checked once before it resolves; stopped when the app closes.
 */
export async function discoverUpstreams(
  app: { log: FastifyBaseLogger; addHook(name: 'onClose', hook: () => Promise<void>): unknown },
  configured: Readonly<Record<string, readonly string[]>>,
  services: readonly string[],
  intervalMs = 2_000,
): Promise<Upstreams> {
  const upstreams = new Upstreams(Object.fromEntries(services.map((name) => [name, configured[name] ?? []])), app.log);
  await upstreams.checkAll();
  upstreams.start(intervalMs);
  // Only the services it calls: the runner's message names them all.
  const unfollow = followRunner(upstreams, services);
  app.addHook('onClose', async () => {
    unfollow();
    upstreams.stop();
  });
  return upstreams;
}
