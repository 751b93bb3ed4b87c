import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file, in the data directory, that Prometheus's file_sd_configs reads (deploy/observability). */
export const TARGETS_FILE = 'prometheus-targets.json';

export interface ScrapeTarget {
  /** `host:port` of the process's HTTP server, which serves /metrics. */
  address: string;
  service: string;
  /** The process's own name (`catalog-2`), the `instance` label its metrics carry. */
  instance: string;
}

/** One file_sd group per process, labelled like the process labels its own metrics. */
export function targetGroups(targets: readonly ScrapeTarget[]) {
  return targets.map((t) => ({ targets: [t.address], labels: { service: t.service, instance: t.instance } }));
}

/**
 * Replaces the targets file in one step (Prometheus watches it and must never read half of it);
 * private like everything in the data directory.
 */
export function writeTargets(dataDir: string, targets: readonly ScrapeTarget[]): string {
  const file = join(dataDir, TARGETS_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(targetGroups(targets), null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
  return file;
}
