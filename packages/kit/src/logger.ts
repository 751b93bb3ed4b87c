import { type Logger, type LoggerOptions, pino } from 'pino';

/** Structured JSON logs; secrets never reach a log line. */
export function loggerOptions(options: { service: string; instanceId: string; level: string }): LoggerOptions {
  return {
    level: options.level,
    base: { service: options.service, instance: options.instanceId, pid: process.pid },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    messageKey: 'msg',
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        '*.password',
        '*.cardNumber',
        '*.cvc',
      ],
      censor: '[redacted]',
    },
    serializers: {
      err: (err: Error & { code?: string; statusCode?: number }) => ({
        type: err.name,
        message: err.message,
        code: err.code,
        stack: err.stack,
      }),
    },
  };
}

/**
 * A logger writing to stdout. Writes are asynchronous, so lines logged while one write is under
 * way leave together in the next (pino flushes what is left when the process exits). If stdout
 * breaks (the runner reading it died), logging stops instead of retrying the write forever.
 */
export function createLogger(options: { service: string; instanceId: string; level: string }): Logger {
  const destination = pino.destination({ fd: 1, sync: false });
  const logger = pino(loggerOptions(options), destination);
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') logger.level = 'silent';
  });
  return logger;
}
