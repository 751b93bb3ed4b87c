import { get } from 'node:http';

/** GET with node:http: the runner stays small by never loading fetch's HTTP client. */
export function getText(url: string, timeoutMs = 1_000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: timeoutMs, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      // A connection cut (or timed out) mid-answer ends here, not in 'end': without this the promise would never settle.
      response.on('error', reject);
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

export async function getJson(url: string, timeoutMs = 1_000): Promise<{ status: number; body: unknown }> {
  const { status, text } = await getText(url, timeoutMs);
  return { status, body: JSON.parse(text) };
}
