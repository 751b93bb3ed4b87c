import type { Readable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'instance', 'pid', 'hostname']);
const COLORS = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94];

function colorFor(name: string): number {
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return COLORS[hash % COLORS.length] ?? 36;
}

/** A pino JSON line as `12:00:01 INFO  message key=value`; anything else unchanged. */
export function prettyLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const level = LEVELS[record.level as number] ?? String(record.level ?? '');
  const extras = Object.entries(record)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => {
      if (k === 'err' && v && typeof v === 'object') return `err=${JSON.stringify((v as { message?: string }).message)}`;
      return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    })
    .join(' ');
  return `${time} ${level} ${String(record.msg ?? '')}${extras ? ` ${extras}` : ''}`;
}

/** Copies a child's output to ours, each line prefixed with the instance's name. */
export function pipeWithPrefix(stream: Readable, name: string, out: NodeJS.WritableStream, pretty: boolean): void {
  const tty = pretty && Boolean((out as { isTTY?: boolean }).isTTY);
  const label = `${name.padEnd(16)}|`;
  const prefix = tty ? `\x1b[${colorFor(name)}m${label}\x1b[0m ` : `${label} `;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) out.write(`${prefix}${pretty ? prettyLine(line) : line}\n`);
  });
  stream.on('end', () => {
    if (pending) out.write(`${prefix}${pretty ? prettyLine(pending) : pending}\n`);
  });
}
