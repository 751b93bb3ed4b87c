import { custom, type Env, int, loadConfig, oneOf, str } from '@microshop/kit';

/** `catalog=http://127.0.0.1:4001,http://127.0.0.1:4002;orders=http://orders:8080` */
export function parseUpstreams(text: string | undefined): Readonly<Record<string, readonly string[]>> {
  const upstreams: Record<string, string[]> = {};
  if (text === undefined) return upstreams;
  for (const entry of text
    .split(/[;\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    if (eq <= 0 || !/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`has an entry without a service name: ${JSON.stringify(entry)}`);
    const urls = entry
      .slice(eq + 1)
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    for (const u of urls) {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw new Error(`has an invalid URL for ${name}: ${JSON.stringify(u)}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`needs http(s) URLs, got ${JSON.stringify(u)}`);
    }
    upstreams[name] = urls.map((u) => u.replace(/\/+$/, ''));
  }
  return upstreams;
}

export function loadGatewayConfig(env: Env = process.env) {
  return loadConfig(
    {
      service: custom('MICROSHOP_SERVICE_NAME', () => 'gateway'),
      port: int('PORT', { default: 8080, min: 0, max: 65535 }),
      host: str('HOST', { default: '0.0.0.0' }),
      instanceId: str('MICROSHOP_INSTANCE_ID', { default: `gateway-${process.pid}`, pattern: /^[\w.-]{1,64}$/ }),
      logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
      upstreams: custom('MICROSHOP_UPSTREAMS', parseUpstreams),
      upstreamTimeoutMs: int('GATEWAY_UPSTREAM_TIMEOUT_MS', { default: 10_000, min: 100, max: 600_000 }),
      connectTimeoutMs: int('GATEWAY_CONNECT_TIMEOUT_MS', { default: 500, min: 50, max: 60_000 }),
      jwksRefreshMs: int('GATEWAY_JWKS_REFRESH_MS', { default: 5_000, min: 0, max: 3_600_000 }),
      healthIntervalMs: int('GATEWAY_HEALTH_INTERVAL_MS', { default: 1_000, min: 100, max: 60_000 }),
      shutdownTimeoutMs: int('MICROSHOP_SHUTDOWN_TIMEOUT_MS', { default: 10_000, min: 0, max: 600_000 }),
    },
    env,
  );
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
