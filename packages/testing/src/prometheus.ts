import { existsSync } from 'node:fs';

// Debian's `prometheus` package: the server and promtool.
export const PROMETHEUS_BIN = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));
export const PROMTOOL_BIN = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/** Undefined when Prometheus and promtool are installed, else what is missing (skip, or fail with MICROSHOP_REQUIRE_INFRA=1). */
export function prometheusMissing(): string | undefined {
  const missing = [!PROMETHEUS_BIN && 'prometheus', !PROMTOOL_BIN && 'promtool'].filter(Boolean).join(' and ');
  return missing ? `${missing} not installed (Debian: apt-get install prometheus)` : undefined;
}
