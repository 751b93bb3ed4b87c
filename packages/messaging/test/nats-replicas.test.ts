import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NATS_URL, natsUnreachable, REQUIRE_INFRA, tempDir } from '@microshop/testing';
import { createTransport } from '../src/index.js';

const natsDown = await natsUnreachable();
const skip = natsDown && !REQUIRE_INFRA ? `${natsDown} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false;

describe('NATS streams: MICROSHOP_BUS_REPLICAS reaches the server', { skip }, () => {
  it('creates the streams with one copy by default, and asks a single server for more in vain', async () => {
    if (natsDown) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${natsDown}`);
    const dataDir = await tempDir();
    const namespace = `rep${process.pid}${Math.random().toString(36).slice(2, 7)}`;
    const transport = await createTransport({ bus: NATS_URL, dataDir, name: 'replicas-test', namespace });
    await (transport as unknown as { destroy(): Promise<void> }).destroy();
    await transport.close();
    // One server is not a cluster: a stream of three copies cannot be placed, and the transport says so.
    await assert.rejects(createTransport({ bus: NATS_URL, dataDir, name: 'replicas-test', namespace: `${namespace}x`, replicas: 3 }), /replica|cluster|resources/i);
  });
});
