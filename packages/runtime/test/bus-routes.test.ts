import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { loadConfig, serviceConfigSpec } from '@microshop/kit';
import { createMessagingTables, type MessagingTables } from '@microshop/messaging';
import { NATS_URL, natsUnreachable, REQUIRE_INFRA, tempDir, testTrust, until } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { buildService, type ServiceParts } from '../src/index.js';

const natsDown = await natsUnreachable();
const trust = await testTrust();
const asGateway = await trust.asService('gateway', 'shelf');
for (const bus of ['embedded', NATS_URL]) {
  const skip = bus !== 'embedded' && natsDown && !REQUIRE_INFRA ? `${natsDown} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false;

  describe(`a service’s /internal bus routes (SQLite, ${bus === 'embedded' ? 'embedded' : 'NATS'} bus)`, { skip }, () => {
    let dataDir: string;
    let parts: ServiceParts<MessagingTables>;
    let failing = true;
    let handled = 0;
    const inject = (method: 'GET' | 'POST', url: string) => parts.app.inject({ method, url, headers: asGateway });
    const busState = async () => (await inject('GET', '/internal/bus')).json();
    const letters = async () => (await inject('GET', '/internal/dead-letters')).json().items as Array<Record<string, unknown>>;

    before(async () => {
      dataDir = await tempDir();
      parts = await buildService<MessagingTables>({
        config: loadConfig(serviceConfigSpec('shelf'), {
          ...trust.env('shelf'),
          MICROSHOP_DATA_DIR: dataDir,
          MICROSHOP_BUS: bus,
          // Its own NATS streams: a new group receives every retained event.
          MICROSHOP_BUS_NAMESPACE: `rt${process.pid}${Math.random().toString(36).slice(2, 7)}`,
          LOG_LEVEL: 'silent',
        }),
        migrations: { '0001-messaging': createMessagingTables },
        title: 'shelf',
        description: 'A service that consumes one event type and fails on demand',
        // The first failure dead-letters: no backoff to wait for.
        maxAttempts: 1,
        setup({ bus }) {
          bus.on('catalog.product.deleted', async () => {
            if (failing) throw new Error('downstream is down');
            handled++;
          });
        },
      });
    });
    after(async () => {
      if (parts?.transport.kind === 'nats') await (parts.transport as unknown as { destroy(): Promise<void> }).destroy();
      await parts?.app.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('answers only a Microshop service: 401 to anyone else, admin token or not', async () => {
      const admin = await trust.asUser({ id: 'usr_root', role: 'admin' });
      for (const [method, url] of [['GET', '/internal/bus'], ['GET', '/internal/dead-letters'], ['POST', '/internal/dead-letters/1/replay']] as const) {
        for (const headers of [{}, admin, { 'x-user-id': 'usr_root', 'x-user-role': 'admin' }]) {
          assert.equal((await parts.app.inject({ method, url, headers })).statusCode, 401, `${method} ${url}`);
        }
      }
    });

    it('reports its group, the types it consumes, and an empty backlog', async () => {
      const response = await inject('GET', '/internal/bus');
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { group: 'shelf', types: ['catalog.product.deleted'], pending: 0, deadLetters: 0 });
    });

    it('counts and lists a dead letter of its own group, without its body', async () => {
      await parts.bus.transaction(async (_trx, emit) => emit('catalog.product.deleted', 'prod-1', { productId: 'prod-1' }));
      // A dead letter is not part of the backlog (the transport settles the original asynchronously).
      await until('one dead letter and an empty backlog', async () => {
        const body = await busState();
        return body.deadLetters === 1 && body.pending === 0;
      });
      const items = await letters();
      assert.equal(items.length, 1);
      assert.deepEqual(Object.keys(items[0] ?? {}).sort(), ['attempts', 'eventId', 'group', 'id', 'reason', 'type']);
      assert.equal(items[0]?.group, 'shelf');
      assert.equal(items[0]?.type, 'catalog.product.deleted');
      assert.equal(items[0]?.attempts, 1);
      assert.equal(typeof items[0]?.eventId, 'string');
      assert.match(String(items[0]?.reason), /failed 1 times: downstream is down/);
    });

    it('refuses to replay an unknown id or another group’s dead letter with a 404 problem', async () => {
    // Another group dead-letters its copy of the same event on the same bus.
      const subscription = await parts.transport.consume({ group: 'other', types: ['catalog.product.deleted'] }, (message) => message.deadLetter('not mine'));
      const foreign = await until('the other group’s dead letter', async () => (await parts.transport.deadLetters('other'))[0]);
      await subscription.stop();
      assert.equal((await letters()).length, 1, 'the list holds this group’s letters only');
      for (const id of ['999999', 'not-a-number', foreign.id]) {
        const response = await inject('POST', `/internal/dead-letters/${id}/replay`);
        assert.equal(response.statusCode, 404, `replay of ${id}`);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      }
      assert.equal((await parts.transport.deadLetters('other')).length, 1, 'the other group’s letter stays');
    });

    it('replays a dead letter: it leaves the list and is handled; a second replay is a 404', async () => {
      const [letter] = await letters();
      failing = false;
      const response = await inject('POST', `/internal/dead-letters/${String(letter?.id)}/replay`);
      assert.equal(response.statusCode, 202);
      assert.deepEqual(response.json(), { replayed: letter?.id });
      await until('the replayed event to be handled', async () => handled === 1);
      assert.deepEqual(await letters(), []);
      const state = await until('an empty backlog', async () => {
        const body = await busState();
        return body.pending === 0 && body;
      });
      assert.equal(state.deadLetters, 0);
      assert.equal((await inject('POST', `/internal/dead-letters/${String(letter?.id)}/replay`)).statusCode, 404);
    });

    it('keeps the internal routes out of the OpenAPI document', async () => {
      const paths = Object.keys((await inject('GET', '/openapi.json')).json().paths ?? {});
      assert.deepEqual(paths.filter((path) => path.startsWith('/internal')), []);
    });
  });
}
