import type { FastifyInstance } from 'fastify';
import { ConfigError } from './config.js';
import { PORT_IN_USE_EXIT_CODE } from './ports.js';
import { telemetry } from './telemetry/state.js';

export interface RunOptions {
  port: number;
  host: string;
  shutdownTimeoutMs: number;
}

/**
 * Listens, and on SIGTERM/SIGINT stops taking new work, finishes in-flight requests, runs the
 * app's onClose hooks (databases, consumers) and exits; after `shutdownTimeoutMs` it exits anyway.
 * Further signals are ignored (Ctrl-C and the runner's SIGTERM often arrive together).
 */
export async function runServer(app: FastifyInstance, options: RunOptions): Promise<void> {
  let stopping = false;
  const stop = async (signal: string) => {
    // Ctrl-C reaches every process of the group and the runner forwards a SIGTERM too: one is enough.
    if (stopping) return;
    stopping = true;
    app.health.draining = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error({ timeoutMs: options.shutdownTimeoutMs }, 'shutdown timed out: exiting');
      process.exit(1);
    }, options.shutdownTimeoutMs);
    force.unref();
    try {
      await app.close();
      // The spans of the last requests, before the process is gone.
      await telemetry()?.shutdown();
      app.log.info('stopped');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Started by the local runner with an IPC channel: if the runner dies abruptly, do not outlive
  // it. Its end of our stdout is gone too, so exit without trying to log.
  if (process.send) process.once('disconnect', () => process.exit(0));
  process.on('uncaughtException', (error) => {
    app.log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    app.log.fatal({ err: error }, 'unhandled rejection');
    process.exit(1);
  });

  await app.listen({ port: options.port, host: options.host });
}

/** Runs a process's `main`; a configuration error is printed plainly and exits with code 2. */
export function startProcess(main: () => Promise<void>): void {
  // Databases, the embedded bus and anything else a service writes are private to its user.
  process.umask(0o077);
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`failed to start: ${(error as Error).message}: another program has the port\n`);
      process.exit(PORT_IN_USE_EXIT_CODE);
    }
    process.stderr.write(`failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
