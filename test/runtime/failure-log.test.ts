/** FailureLog (throttled connect-failure reports) and connectFailure (the reason in words). */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErrorWithReasonCode } from 'mqtt';
import { connectFailure } from '../../src/runtime/broker-connection';
import { FailureLog } from '../../src/runtime/failure-log';

describe('runtime/failure-log', () => {
  it('logs the first failure at once, then one per interval with the count held back, and starts afresh after a success', () => {
    let now = 0;
    const log = new FailureLog(60_000, () => now);
    assert.equal(log.failure('down'), 'down');
    now += 1000;
    assert.equal(log.failure('down'), null);
    now += 1000;
    assert.equal(log.failure('down'), null);
    now = 61_000;
    assert.equal(log.failure('down'), 'down (2 more failed attempts since the last report)');
    now += 10;
    assert.equal(log.failure('down'), null);
    assert.equal(log.success(), 5);
    assert.equal(log.success(), 0);
    assert.equal(log.failure('again'), 'again', 'a new outage is reported at once');
  });

  it('property: at most one line per interval, and every failure is either logged or counted in a later line or the success', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30_000 }), { maxLength: 100 }), (gaps) => {
        let now = 0;
        const log = new FailureLog(60_000, () => now);
        const loggedAt: number[] = [];
        let accounted = 0;
        for (const gap of gaps) {
          now += gap;
          const line = log.failure('x');
          if (line !== null) {
            loggedAt.push(now);
            accounted += 1 + Number(/\((\d+) more/.exec(line)?.[1] ?? 0);
          }
        }
        for (let i = 1; i < loggedAt.length; i++) assert.ok(loggedAt[i]! - loggedAt[i - 1]! >= 60_000);
        assert.equal(log.success(), gaps.length);
        assert.ok(accounted <= gaps.length);
      }),
    );
  });

  it('connectFailure names the reason', () => {
    assert.equal(connectFailure(null, 5), 'closed before CONNACK (is MQTT 5 supported?)');
    assert.equal(connectFailure(null, 4), 'closed before CONNACK');
    assert.equal(connectFailure(new ErrorWithReasonCode('Connection refused: Not authorized', 5), 4), 'CONNACK refused: Not authorized (reason code 5)');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(connectFailure(refused, 4), 'connect ECONNREFUSED 127.0.0.1:1');
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    assert.equal(connectFailure(tls, 4), 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    assert.equal(connectFailure(new Error('connack timeout'), 4), 'no CONNACK within the connect timeout');
    // aedes answers an MQTT 5 CONNECT with the 3.1.1 refusal 1.
    assert.equal(
      connectFailure(new ErrorWithReasonCode('Connection refused: Unacceptable protocol version', 1), 5),
      'CONNACK refused: Unacceptable protocol version (reason code 1); the broker does not support MQTT 5: choose MQTT 3.1.1 in lpr-broker',
    );
  });
});
