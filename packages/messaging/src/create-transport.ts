import { EmbeddedTransport } from './embedded/embedded-transport.js';
import type { Transport } from './transport.js';

export interface TransportConfig {
  /** `embedded` or a NATS URL (MICROSHOP_BUS). */
  bus: string;
  dataDir: string;
  /** Names the connection, e.g. `orders-1`. */
  name: string;
  ackWaitMs?: number;
  /** NATS stream and subject prefix (default `microshop`). */
  namespace?: string;
  /** NATS: copies of each stream in a JetStream cluster (MICROSHOP_BUS_REPLICAS, default 1). */
  replicas?: number;
  /** NATS: how long its streams keep events and dead letters (MICROSHOP_RETENTION_HOURS). */
  retentionMs?: number;
  /** NATS: dead letters its stream keeps at most (MICROSHOP_DEAD_LETTER_MAX). */
  deadLetterMax?: number;
}

/** The transport MICROSHOP_BUS names. NATS's client loads only when used. */
export async function createTransport(config: TransportConfig): Promise<Transport> {
  if (config.bus === 'embedded') return new EmbeddedTransport({ dataDir: config.dataDir, ackWaitMs: config.ackWaitMs });
  const { NatsTransport } = await import('./nats/nats-transport.js');
  const { bus: url, name, ackWaitMs, namespace, replicas, retentionMs: maxAgeMs, deadLetterMax } = config;
  return NatsTransport.connect({ url, name, ackWaitMs, namespace, replicas, maxAgeMs, deadLetterMax });
}
