/** Query parameters whose values are credentials: their values never reach a log line. */
const SECRET_PARAMETERS = new Set(['token', 'access_token']);
export const REDACTED = 'REDACTED';

/** `%xx` escapes decoded byte by byte: enough to compare with ASCII names, and it never throws. */
function unescape(text: string): string {
  return text.replace(/%([0-9a-f]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * A parameter name as the most lenient parser would read it: `+` as a space, escapes decoded
 * (twice over, for a proxy that decodes once more), a `[…]` suffix dropped, case folded.
 */
function nameOf(raw: string): string {
  let name = raw.replace(/\+/g, ' ');
  for (let round = 0; round < 3 && name.includes('%'); round++) name = unescape(name);
  return name.replace(/\[.*$/s, '').trim().toLowerCase();
}

/**
 * The URL with the value of every `token` and `access_token` query parameter replaced, whatever
 * the name's case or escapes, however often it is repeated. Separators other parsers accept
 * (`;`, a second `?`) count too: over-redacting a log line costs nothing.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const parts = url.slice(start + 1).split(/([&;?])/);
  let changed = false;
  for (let i = 0; i < parts.length; i += 2) {
    const part = parts[i] ?? '';
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    if (SECRET_PARAMETERS.has(nameOf(name))) {
      parts[i] = `${name}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${url.slice(0, start + 1)}${parts.join('')}` : url;
}
