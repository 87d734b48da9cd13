/** Random MQTT topic filters (`+`, `#`, `$share/`) and topics, shared by the matching tests. */
import fc from 'fast-check';

const literal = fc.constantFrom('a', 'b', 'lprserver', 'cameras', '', '$SYS', 'x.y', '$x');
export const topicLevel = fc.constantFrom('a', 'b', 'lprserver', 'cameras', '', 'x.y', 'c+d');
export const filterArb = fc
  .tuple(
    fc.array(fc.oneof({ weight: 3, arbitrary: literal }, { weight: 2, arbitrary: fc.constant('+') }), { minLength: 1, maxLength: 5 }),
    fc.boolean(),
    fc.option(fc.constantFrom('g1', 'group-2'), { nil: undefined }),
  )
  .map(([levels, hash, share]) => {
    const f = hash ? [...levels, '#'].join('/') : levels.join('/');
    return share ? `$share/${share}/${f}` : f;
  });
export const hashOnly = fc.option(fc.constantFrom('g', 'grp'), { nil: undefined }).map((s) => (s ? `$share/${s}/#` : '#'));
export const topicArb = fc
  .tuple(fc.option(fc.constantFrom('$SYS', '$share', '$x'), { nil: undefined }), fc.array(topicLevel, { minLength: 1, maxLength: 6 }))
  .map(([dollar, levels]) => (dollar ? [dollar, ...levels] : levels).join('/'));
