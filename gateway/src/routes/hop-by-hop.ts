import type { IncomingHttpHeaders } from 'node:http';

/** Headers about one connection, not the message (RFC 9110 §7.6.1): they end where the connection does. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * A service's response headers without those about its connection to the gateway, nor any its
 * Connection header names: the client's connection is the gateway's to manage, so that a
 * client's `Connection: close` is honoured and a service's keep-alive terms never reach it.
 */
export function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const connection = headers.connection;
  const named = typeof connection === 'string' ? connection.toLowerCase().split(',').map((name) => name.trim()) : [];
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.has(lower) && !named.includes(lower)) out[name] = value;
  }
  return out;
}
