import { resolve } from 'node:path';
import { createTransport } from '@microshop/messaging';
import { ConfigError, custom, loadConfig, parseBus, str } from '@microshop/kit/light';

/**
 * `npm run dead-letters` lists the messages every consumer group gave up on, with the reason;
 * `npm run dead-letters -- replay <id>` puts one back in front of its consumers.
 * Uses the same MICROSHOP_BUS, MICROSHOP_DATA_DIR and MICROSHOP_BUS_NAMESPACE as the services.
 */
const usage = 'usage: npm run dead-letters [-- list [group] | replay <id>]';
let config;
try {
  config = loadConfig({
    bus: custom('MICROSHOP_BUS', parseBus),
    dataDir: str('MICROSHOP_DATA_DIR', { default: './data' }),
    namespace: str('MICROSHOP_BUS_NAMESPACE', { default: 'microshop', pattern: /^[a-z][a-z0-9_-]{0,31}$/ }),
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
const [command = 'list', argument] = process.argv.slice(2);
if (!['list', 'replay'].includes(command) || (command === 'replay' && !argument)) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const transport = await createTransport({ bus: config.bus, dataDir: resolve(config.dataDir), name: 'dead-letters', namespace: config.namespace });
try {
  if (command === 'replay') {
    await transport.replay(argument ?? '');
    process.stdout.write(`replayed dead letter ${argument}\n`);
  } else {
    const letters = await transport.deadLetters(argument);
    if (letters.length === 0) process.stdout.write('no dead letters\n');
    for (const letter of letters) {
      process.stdout.write(`${letter.id}\t${letter.group}\t${letter.type}\tevent ${letter.eventId ?? '?'}\tattempts ${letter.attempts}\t${letter.reason}\n`);
    }
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await transport.close();
}
