import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PORT_IN_USE_EXIT_CODE } from '@microshop/kit/light';
import { freePort, until } from '@microshop/testing';
import { Supervisor } from '../src/runner/supervisor.js';

// A port the runner chose a moment ago may be taken by another program before the instance
// listens (tests and other shops on the machine pick ports too). The instance must then move,
// and nobody may mistake the other program for it.
const TINY = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tiny-service.js');
const UNWELL = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'unwell-service.js');

/** Another program, holding a port on 127.0.0.1 and answering every request like a healthy service. */
async function squatter(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"status":"ok","pid":1}'));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

async function healthz(port: number): Promise<{ pid?: number; instance?: string } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return response.ok ? ((await response.json()) as { pid?: number; instance?: string }) : undefined;
  } catch {
    return undefined;
  }
}

describe('supervisor and a taken port', () => {
  const supervisors: Supervisor[] = [];
  const servers: Server[] = [];
  after(async () => {
    await Promise.all(supervisors.map((s) => s.stop(2_000)));
    for (const server of servers) server.close();
  });

  it('moves an instance whose chosen port another program took, and says where it went', async () => {
    const taken = await squatter();
    servers.push(taken.server);
    const lines: string[] = [];
    let moved: Supervisor | undefined;
    const supervisor = new Supervisor(
      { name: 'tiny-1', script: TINY, port: taken.port, env: { ...process.env, PORT: String(taken.port), MICROSHOP_INSTANCE_ID: 'tiny-1' } },
      (line) => lines.push(line),
      false,
      { timeoutMs: 10_000 },
      (s) => {
        moved = s;
      },
    );
    supervisors.push(supervisor);
    supervisor.start();
    await until('the move', async () => moved, 20_000);
    assert.notEqual(supervisor.spec.port, taken.port);
    assert.equal(supervisor.spec.env.PORT, String(supervisor.spec.port), 'its next start uses the new port too');
    assert.ok(lines.some((l) => l.includes(`another program has port ${taken.port}; moving it to port ${supervisor.spec.port}`)), lines.join('\n'));
    const answer = await until('the instance on its new port', () => healthz(supervisor.spec.port), 20_000);
    assert.deepEqual(answer, { status: 'ok', instance: 'tiny-1', pid: supervisor.pid });
    assert.equal(supervisor.restarts, 0, 'a move is not counted as a crash');
    assert.equal(supervisor.failure, undefined);
  });

  it('keeps an instance down on a port it may not change (the gateway’s), and says why', async () => {
    const taken = await squatter();
    servers.push(taken.server);
    const lines: string[] = [];
    const supervisor = new Supervisor(
      { name: 'tiny-2', script: TINY, port: taken.port, env: { ...process.env, PORT: String(taken.port), MICROSHOP_INSTANCE_ID: 'tiny-2' } },
      (line) => lines.push(line),
      false,
      { timeoutMs: 10_000 },
    );
    supervisors.push(supervisor);
    supervisor.start();
    await until('the failure', async () => supervisor.failure, 20_000);
    assert.equal(supervisor.failure, `port ${taken.port} is in use by another program`);
    assert.ok(lines.some((l) => l.includes(`exited with code ${PORT_IN_USE_EXIT_CODE}`) && l.includes('not restarting')), lines.join('\n'));
    assert.equal(supervisor.pid, undefined, 'not restarted');
    assert.equal(supervisor.restarts, 0);
  });

  it('counts the runner’s readiness answer for liveness: a process found ready whose /healthz then never answers is not given the start-up grace', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const supervisor = new Supervisor(
      { name: 'unwell-1', script: UNWELL, port, env: { ...process.env, PORT: String(port) } },
      (line) => lines.push(line),
      false,
      { timeoutMs: 1_000 },
    );
    supervisors.push(supervisor);
    supervisor.start();
    const first = supervisor.pid;
    // What the runner's readiness check does: /readyz 200 from the process itself.
    await until('the instance to be ready', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      const body = response?.ok ? ((await response.json()) as { pid?: number }) : undefined;
      if (body?.pid !== first) return undefined;
      supervisor.answered(first);
      return true;
    }, 20_000);
    // Its /healthz never answers: a second after the readiness answer (not 60 s) it is killed.
    const killed = await until('liveness to kill it', async () => lines.find((l) => l.includes(`unwell-1 (pid ${first}) has not answered /healthz`)), 20_000);
    assert.match(killed, /\(no answer in time\); killing it to restart it/);
  });
});
