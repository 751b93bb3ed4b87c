import { randomBytes } from 'node:crypto';

/** Random bytes drawn 4 KiB at a time: one system call per ~170 traces instead of two per request. */
let randomPool = Buffer.alloc(0);
let randomOffset = 0;
function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomPool = randomBytes(4096);
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return hex;
}

/**
 * A W3C trace context (version 00) with a new span id: in trace `traceId`, or a new trace; flagged
 * sampled or not.
 */
export function newTraceparent(traceId?: string, sampled = true): string {
  return `00-${traceId ?? randomHex(16)}-${randomHex(8)}-${sampled ? '01' : '00'}`;
}
