import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { startChild } from './processes.js';

export const NATS_URL = process.env.MICROSHOP_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const NATS_SERVER_BIN = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p));

function tcpReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 4222) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

let reachability: Promise<string | undefined> | undefined;

/** Undefined when the NATS server answers, else why not. */
export function natsUnreachable(): Promise<string | undefined> {
  reachability ??= tcpReachable(NATS_URL).then((ok) => (ok ? undefined : `NATS not reachable at ${NATS_URL}`));
  return reachability;
}

/** A private `nats-server -js` on `port` storing in `storeDir`, for tests that must stop a broker. */
export function startNatsServer(port: number, storeDir: string) {
  if (!NATS_SERVER_BIN) throw new Error('nats-server is not installed');
  const server = startChild(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir]);
  return {
    server,
    ready: () => server.waitForOutput(/Server is ready/, 10_000),
    url: `nats://127.0.0.1:${port}`,
  };
}
