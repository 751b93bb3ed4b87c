import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** A new request id, for a request that brought none (or none that could be read). */
export function newRequestId(): string {
  return randomUUID();
}

/** The client's X-Request-Id when it is sane (short, printable, no spaces), else a new UUID. */
export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && SANE_ID.test(given)) return given;
  return newRequestId();
}
