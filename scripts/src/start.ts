import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@microshop/kit/light';
import { loadRunnerConfig } from './runner/config.js';
import { Runner } from './runner/runner.js';

// scripts/dist/src/start.js → the repository root
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const say = (line: string) => process.stdout.write(`${'runner'.padEnd(16)}| ${line}\n`);

let config: ReturnType<typeof loadRunnerConfig>;
try {
  config = loadRunnerConfig(root);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
if (config.services.length === 0) {
  process.stderr.write('No built services found under services/: run `npm ci` (or `npm run build`) first.\n');
  process.exit(1);
}

// Everything the system writes (databases, the bus, keys) is for its owner's eyes only.
process.umask(0o077);
const runner = new Runner(config, say);
let exitingSince = 0;
const shutdown = (signal: string, exitCode = 0) => {
  if (exitingSince > 0) {
    // `npm start` forwards Ctrl-C's SIGINT on top of the terminal's own: only a later one insists.
    if (Date.now() - exitingSince < 1_000) return;
    say(`${signal} again: killing everything now`);
    process.exit(1);
  }
  exitingSince = Date.now();
  say(`${signal}: stopping every process`);
  runner.stop().then(
    () => {
      say('stopped');
      process.exit(exitCode);
    },
    (error: Error) => {
      say(`error while stopping: ${error.message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

/** Commands typed at the runner (or piped to it): `scale catalog=3`, `status`, `help`. */
function listenForCommands(): void {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const [command, ...rest] = words;
    if (command === 'status') {
      for (const entry of runner.status()) say(entry);
      for (const d of runner.decisions.slice(-5)) say(`autoscaled ${d.service} ${d.from} -> ${d.to} at ${d.at}: ${d.reason}`);
      for (const r of runner.releases.slice(-3)) say(`release of ${r.service} at ${r.startedAt}: ${r.state}${r.state === 'on trial' ? ` (${r.percent}%)` : ''}${r.reason ? `: ${r.reason}` : ''}`);
      return;
    }
    if (command === 'scale' && rest.length > 0) {
      for (const spec of rest) {
        const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(spec);
        if (!match) {
          say(`scale: ${JSON.stringify(spec)} should look like catalog=3`);
          continue;
        }
        runner.scale(match[1] as string, Number(match[2])).then(
          (result) => say(`scaled ${result}`),
          (error: Error) => say(`scale ${spec} failed: ${error.message}`),
        );
      }
      return;
    }
    if (command === 'deploy' && rest.length >= 1 && rest.length <= 2) {
      const [service = '', script] = rest;
      runner.deploy(service, script).then(
        (result) => say(`deployed ${result}`),
        (error: Error) => say(`deploy ${service} failed: ${error.message}`),
      );
      return;
    }
    say(
      'commands: `scale <service>=<instances> ...` (e.g. scale catalog=3), `deploy <service> [server script]` (a canary release of its newly built code),' +
        ' `status`; Ctrl-C stops everything',
    );
  });
  // No terminal (stdin closed, as under a service manager): the runner simply takes no commands.
  lines.on('error', () => undefined);
}

say(`starting gateway and ${config.services.length} service(s): ${config.services.map((s) => `${s} x${config.instances[s]}`).join(', ')}`);
runner.start().then(
  (ms) => {
    say(`Microshop is ready in ${ms} ms: ${runner.gatewayUrl}/  (Ctrl-C stops it; type \`scale catalog=3\` or \`status\` here)`);
    listenForCommands();
  },
  (error: Error) => {
    say(`failed to start: ${error.message}`);
    shutdown('start failure', 1);
  },
);
