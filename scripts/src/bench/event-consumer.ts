// The consuming service of the messaging benchmark, in its own process as in the real system:
// `node event-consumer.js <bus> <dataDir> <databaseUrl|-> <namespace> <count>`. Prints "ready",
// then, once `count` events arrived, one JSON line with the wall-clock time each was handled.
import { openDatabase } from '@microshop/data';
import { createMessagingTables, createTransport, EventBus, type MessagingTables } from '@microshop/messaging';

const [bus = 'embedded', dataDir = '', databaseUrl = '-', namespace = '', countText = '0'] = process.argv.slice(2);
const count = Number(countText);
const silent = { info() {}, warn() {}, error() {} };
const database = await openDatabase<MessagingTables>({
  service: 'consumer',
  dataDir,
  databaseUrl: databaseUrl === '-' ? undefined : databaseUrl,
  migrations: { '0001-messaging': createMessagingTables },
});
const transport = await createTransport({ bus, dataDir, name: 'bench-consumer', namespace });
const consumer = new EventBus(database.db, { service: 'consumer', transport, log: silent });
const handledAt = new Array<number>(count).fill(0);
let handled = 0;
consumer.on('catalog.product.deleted', async (_trx, event) => {
  const index = Number((event.data as { productId: string }).productId.slice(1));
  if (handledAt[index] === 0) handled++;
  handledAt[index] = performance.timeOrigin + performance.now();
  if (handled === count) setImmediate(finish);
});
let finished = false;
async function finish() {
  if (finished) return;
  finished = true;
  process.stdout.write(`${JSON.stringify(handledAt)}\n`);
  await consumer.stop();
  await transport.close();
  await database.close();
  process.exit(0);
}
await consumer.start();
process.stdout.write('ready\n');
