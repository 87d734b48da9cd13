/**
 * `${VAR}` in the lpr-broker fields Node-RED substitutes at runtime (whole value only): the editor's
 * validators accept it, and the runtime names the variable when it was not set.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { brokerProblem, portProblem, validateBroker, validateCameraFilter, validateCameraId, validateClientId, validateTimeZone, validateTopicRoot } from '../../src/editor/shared/validate';
import { assertNoUnsetEnv, readBrokerSettings } from '../../src/runtime/broker-settings';

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/);

describe('${VAR} in lpr-broker fields', () => {
  it('the editor accepts ${VAR} as the whole broker, port, client id, topic root and time zone', () => {
    fc.assert(
      fc.property(name, (n) => {
        const ref = `\${${n}}`;
        assert.equal(validateBroker(ref), true);
        assert.equal(portProblem(ref), null);
        assert.equal(validateClientId(ref), true);
        assert.equal(validateTopicRoot(ref), true);
        assert.equal(validateTimeZone(ref), true);
      }),
    );
  });

  it("the editor accepts ${VAR} as a node's camera id or camera filter (Node-RED substitutes it in any node)", () => {
    fc.assert(
      fc.property(name, (n) => {
        assert.equal(validateCameraId(`\${${n}}`), true);
        assert.equal(validateCameraFilter(`\${${n}}`), true);
        assert.notEqual(validateCameraId(`CAM-\${${n}}`), true);
      }),
    );
    assert.notEqual(validateCameraId(''), true);
    assert.notEqual(validateCameraId('a/b'), true);
  });

  it('the editor still rejects a ${VAR} inside a value (Node-RED substitutes whole values only)', () => {
    fc.assert(
      fc.property(name, fc.constantFrom('host-', 'a b', '10.0.0.'), (n, before) => {
        assert.notEqual(brokerProblem(`${before}\${${n}}`), null);
        assert.notEqual(portProblem(`1\${${n}}`), null);
        assert.notEqual(validateTopicRoot(`lpr/\${${n}}`), true);
      }),
    );
  });

  it('the runtime names the field and the variable left unset', () => {
    fc.assert(
      fc.property(name, fc.constantFrom('broker', 'port', 'clientId', 'topicRoot', 'timeZone'), (n, field) => {
        assert.throws(() => readBrokerSettings({ broker: 'localhost', [field]: `\${${n}}` }, 'fallback'), {
          name: 'ConfigError',
          message: `${field}: the environment variable ${n} is not set`,
        });
      }),
    );
    assert.throws(() => assertNoUnsetEnv({ user: 'u', password: '${PW}' }, ['user', 'password']), { message: 'password: the environment variable PW is not set' });
    assert.doesNotThrow(() => assertNoUnsetEnv({ user: 'u', password: 'p${PW}' }, ['user', 'password']));
  });
});
