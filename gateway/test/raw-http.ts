import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the last write until the server closed the connection; Infinity if it did not. */
  closedAfterMs: number;
}

/**
 * Writes `chunks` on a fresh connection exactly as given (no client library to tidy them up) and
 * reads until the server closes it or `waitMs` passes; the first response is parsed.
 */
export function rawExchange(port: number, chunks: string | string[], waitMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let wroteAt = 0;
    let closedAfterMs = Number.POSITIVE_INFINITY;
    let gaveUp = false;
    const timer = setTimeout(() => {
      gaveUp = true;
      socket.destroy();
    }, waitMs);
    socket.on('connect', () => {
      for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) socket.write(chunk);
      wroteAt = performance.now();
    });
    socket.on('data', (data) => received.push(data));
    // The server may reset a connection it refuses while we still write: what arrived still counts.
    socket.on('error', () => {});
    const closed = () => {
      if (!gaveUp && closedAfterMs === Number.POSITIVE_INFINITY) closedAfterMs = performance.now() - wroteAt;
    };
    socket.on('end', closed);
    socket.on('close', () => {
      closed();
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no response (received ${JSON.stringify(text.slice(0, 200))})`));
        return;
      }
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? Number.NaN);
      const rest = text.slice(split + 4);
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: Number.isFinite(length) ? rest.slice(0, length) : rest,
        closedAfterMs,
      });
    });
  });
}
