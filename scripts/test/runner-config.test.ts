import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadRunnerConfig, parseInstances, prettyLine } from '../src/runner/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('parseInstances', () => {
  const services = ['catalog', 'orders'];
  it('defaults every service to one instance', () => {
    assert.deepEqual(parseInstances(undefined, services), { catalog: 1, orders: 1 });
  });
  it('reads counts per service', () => {
    assert.deepEqual(parseInstances('catalog=2, orders=3', services), { catalog: 2, orders: 3 });
  });
  it('rejects unknown services, bad counts and bad syntax', () => {
    assert.throws(() => parseInstances('payments=2', services), /unknown service "payments"/);
    assert.throws(() => parseInstances('catalog=0', services), /wants 1 to 16 instances of catalog, got 0/);
    assert.throws(() => parseInstances('catalog:2', services), /must look like catalog=2,orders=3/);
  });
});

describe('loadRunnerConfig', () => {
  it('accepts a liveness timeout from 1 s to an hour, 10 s by default', () => {
    assert.equal(loadRunnerConfig(ROOT, {}).livenessTimeoutMs, 10_000);
    assert.equal(loadRunnerConfig(ROOT, { MICROSHOP_LIVENESS_TIMEOUT_MS: '1000' }).livenessTimeoutMs, 1_000);
    assert.equal(loadRunnerConfig(ROOT, { MICROSHOP_LIVENESS_TIMEOUT_MS: '3600000' }).livenessTimeoutMs, 3_600_000);
    assert.throws(() => loadRunnerConfig(ROOT, { MICROSHOP_LIVENESS_TIMEOUT_MS: '999' }), /MICROSHOP_LIVENESS_TIMEOUT_MS must be at least 1000/);
    assert.throws(() => loadRunnerConfig(ROOT, { MICROSHOP_LIVENESS_TIMEOUT_MS: '3600001' }), /MICROSHOP_LIVENESS_TIMEOUT_MS must be at most 3600000/);
  });
});

describe('prettyLine', () => {
  it('renders a pino line as time, level, message and fields', () => {
    const line = JSON.stringify({ level: 40, time: '2026-01-02T03:04:05.678Z', service: 'catalog', pid: 1, msg: 'slow', ms: 12 });
    assert.equal(prettyLine(line), '03:04:05 WARN  slow ms=12');
  });
  it('leaves other lines alone', () => {
    assert.equal(prettyLine('plain text'), 'plain text');
    assert.equal(prettyLine('{not json'), '{not json');
  });
});
