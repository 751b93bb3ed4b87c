import { createServer } from 'node:net';

/**
 * What a process exits with when its port is taken: the local runner then gives a service another
 * port (it chose the first one itself), and reports it for the gateway (whose port is the user's).
 */
export const PORT_IN_USE_EXIT_CODE = 3;

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
