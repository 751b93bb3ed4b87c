import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Autoscaler, DEFAULT_AUTOSCALER, parseAutoscale, pendingIn, type Signals } from '../src/runner/autoscaler.js';
import { parseOptions, parseSlos, UsageError } from '../src/load/options.js';
import { arrivalAt, rateAt } from '../src/load/index.js';

const quiet: Signals = { instances: 1, cpu: 0.01, inflight: 0, p95Ms: null, backlog: 0 };
const busy: Signals = { instances: 1, cpu: 0.9, inflight: 3, p95Ms: 20, backlog: 0 };

describe('autoscaler', () => {
  it('reads MICROSHOP_AUTOSCALE and refuses what is not bounds of a known service', () => {
    assert.deepEqual(parseAutoscale('catalog=1-4, orders=2-3', ['catalog', 'orders']), { catalog: { min: 1, max: 4 }, orders: { min: 2, max: 3 } });
    assert.deepEqual(parseAutoscale(undefined, ['catalog']), {});
    assert.throws(() => parseAutoscale('catalog=3', ['catalog']), /catalog=1-4/);
    assert.throws(() => parseAutoscale('catalog=3-2', ['catalog']), /min <= max/);
    assert.throws(() => parseAutoscale('catalog=0-2', ['catalog']), /1 <= min/);
    assert.throws(() => parseAutoscale('catalog=1-17', ['catalog']), /<= 16/);
    assert.throws(() => parseAutoscale('nope=1-2', ['catalog']), /unknown service "nope"/);
  });

  it('scales out only after sustained overload, by what brings CPU under the mark, within the bounds', () => {
    const scaler = new Autoscaler({ catalog: { min: 1, max: 3 } });
    assert.equal(scaler.decide('catalog', busy, 0), undefined, 'one reading is not sustained');
    const out = scaler.decide('catalog', busy, 2_000);
    assert.equal(out?.to, 2);
    assert.match(out?.reason ?? '', /CPU 90% per instance > 60%/);
    // Right after a scale-out it waits for the new instance to take its share.
    assert.equal(scaler.decide('catalog', { ...busy, instances: 2 }, 4_000), undefined);
    assert.equal(scaler.decide('catalog', { ...busy, instances: 2, cpu: 1.5 }, 20_000)?.to, 3, 'never above max (3, not 5)');
    assert.equal(scaler.decide('catalog', { ...busy, instances: 3 }, 40_000), undefined);
    assert.equal(scaler.decide('catalog', { ...busy, instances: 3 }, 42_000), undefined, 'already at max');
    assert.equal(scaler.decide('other', busy, 0), undefined, 'a service without bounds is left alone');
  });

  it('counts requests queued at the gateway, p95 and consumer backlog as overload too', () => {
    for (const signals of [{ ...quiet, inflight: 40 }, { ...quiet, p95Ms: 5_000 }, { ...quiet, backlog: 1_000 }]) {
      const scaler = new Autoscaler({ orders: { min: 1, max: 2 } });
      scaler.decide('orders', signals, 0);
      assert.equal(scaler.decide('orders', signals, 2_000)?.to, 2, JSON.stringify(signals));
    }
  });

  it('scales in one at a time after a quiet cooldown, never below min, and does not flap', () => {
    const scaler = new Autoscaler({ catalog: { min: 1, max: 3 } }, { ...DEFAULT_AUTOSCALER, cooldownMs: 60_000 });
    scaler.decide('catalog', { ...busy, instances: 1, cpu: 1.4 }, 0);
    assert.equal(scaler.decide('catalog', { ...busy, instances: 1, cpu: 1.4 }, 2_000)?.to, 3);
    // A load that would be over the low mark on one instance fewer keeps them all.
    for (let t = 4_000; t < 200_000; t += 2_000) assert.equal(scaler.decide('catalog', { ...quiet, instances: 3, cpu: 0.3 }, t), undefined);
    // Quiet: nothing for 60 s of it, then one fewer, then another 60 s.
    const moves: Array<[number, number]> = [];
    let n = 3;
    for (let t = 200_000; t < 400_000; t += 2_000) {
      const decision = scaler.decide('catalog', { ...quiet, instances: n }, t);
      if (decision) {
        moves.push([t, decision.to]);
        n = decision.to;
      }
    }
    assert.deepEqual(moves, [
      [260_000, 2],
      [322_000, 1],
    ]);
    assert.equal(scaler.decide('catalog', { ...quiet, instances: 1 }, 400_000), undefined, 'never below min');
  });

  it('reads the consumers backlog from a metrics page', () => {
    const page = '# HELP x\nmicroshop_bus_consumer_pending{service="orders",instance="orders-1"} 12\nmicroshop_bus_consumer_pending{service="orders",group="b"} 3\nother 9\n';
    assert.equal(pendingIn(page), 15);
  });
});

describe('load generator options', () => {
  it('reads durations, rates, ramps and objectives', () => {
    const options = parseOptions(['--url', 'http://localhost:8080/', '--duration', '2m', '--rate', '1-9', '--slo', 'p99<1.5s,errors<1%', '--slo=checkout.p95<=800', '--slo', 'confirmed>=95%']);
    assert.equal(options.url, 'http://localhost:8080');
    assert.equal(options.durationMs, 120_000);
    assert.deepEqual([options.rateFrom, options.rateTo], [1, 9]);
    assert.deepEqual(
      options.slos.map((s) => [s.step, s.metric, s.op, s.value]),
      [
        [undefined, 'p99', '<', 1_500],
        [undefined, 'errors', '<', 0.01],
        ['checkout', 'p95', '<=', 800],
        [undefined, 'confirmed', '>=', 0.95],
      ],
    );
    assert.equal(rateAt(options, 0), 1);
    assert.equal(rateAt(options, 60_000), 5);
    assert.equal(rateAt(options, 500_000), 9);
    // Arrivals follow the ramp: 1/s rising to 9/s over 120 s brings 600 shoppers, the first at 0.
    assert.equal(arrivalAt(options, 0), 0);
    assert.ok(Math.abs(arrivalAt(options, 599) - 120_000) < 200);
    assert.equal(arrivalAt(options, 601), Infinity);
    // A ramp from 0 fills in as it rises (0 to 10/s over 10 s: 50 shoppers, the second at 1.4 s).
    const fromZero = { rateFrom: 0, rateTo: 10, durationMs: 10_000 };
    assert.ok(Math.abs(arrivalAt(fromZero, 1) - 1_414) < 2);
    assert.ok(arrivalAt(fromZero, 50) <= 10_000 && arrivalAt(fromZero, 51) === Infinity);
    // A steady rate: every 1/rate.
    assert.equal(arrivalAt({ rateFrom: 4, rateTo: 4, durationMs: 10_000 }, 3), 750);
  });

  it('refuses what it cannot read, naming it', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--duration', '5s', '--rate', '1'], /--url is required/],
      [['--url', 'ftp://x', '--duration', '5s', '--rate', '1'], /http\(s\) URL/],
      [['--url', 'http://x', '--rate', '1'], /--duration is required/],
      [['--url', 'http://x', '--duration', 'soon', '--rate', '1'], /duration such as 30s/],
      [['--url', 'http://x', '--duration', '5s', '--rate', 'fast'], /--rate must be a number/],
      [['--url', 'http://x', '--duration', '5s', '--rate', '0'], /above 0/],
      [['--url', 'http://x', '--duration', '5s', '--rate', '1', '--bogus', '1'], /unknown argument "--bogus"/],
      [['--url', 'http://x', '--duration', '5s', '--rate', '1', '--max-shoppers', '0'], /--max-shoppers/],
    ];
    for (const [argv, message] of cases) assert.throws(() => parseOptions(argv), (error: Error) => error instanceof UsageError && message.test(error.message), argv.join(' '));
    assert.throws(() => parseSlos('p99 < soon'), /should look like/);
    assert.throws(() => parseSlos('basket.p99<100'), /no step called "basket"/);
    assert.throws(() => parseSlos('errors<150%'), /over 100%/);
    assert.throws(() => parseSlos('p99<5%'), /time in ms/);
  });
});
