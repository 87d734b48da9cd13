/**
 * Editor side of `lpr-blacklist-match`: every plate read against an `lpr-blacklist`; output 1 one
 * BlacklistNotification per matching plate, output 2 the message when nothing matched.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-blacklist-match.html with acorn.
 * Property names are read by src/runtime/blacklist-settings.ts (readMatchSettings); do not rename
 * them. The ranges match the runtime's, except that `suppress` takes whole seconds here.
 */
import {
  blacklistRoot,
  choiceValidator,
  currentValue,
  isTrue,
  numberValidator,
  orMissing,
} from '../shared/validate';

/** A text of this node's catalog; English where the editor has none. */
function tr(node: any, key: string, english: string, params?: Record<string, unknown>): string {
  return node && typeof node._ === 'function' ? node._(`lpr-blacklist-match.${key}`, params) : english;
}

RED.nodes.registerType('lpr-blacklist-match', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-blacklist-match.svg',
  paletteLabel: function (this: any) {
    return tr(this, 'paletteLabel', 'blacklist match');
  },
  inputs: 1,
  outputs: 2,
  defaults: {
    name: { value: '' },
    list: { value: '', type: 'lpr-blacklist', required: true, label: 'List' },
    exact: { value: true },
    lookalike: { value: true },
    maxSubstitutions: { value: 1, label: 'Look-alike characters', validate: numberValidator({ min: 1, max: 4 }) },
    fuzzy: { value: false },
    maxDistance: { value: 1, label: 'Edit distance', validate: numberValidator({ min: 1, max: 2 }) },
    pattern: { value: true },
    requireProvince: { value: false },
    suppress: { value: 60, label: 'Suppress', validate: numberValidator({ min: 0, max: 86400, unit: 's' }) },
    // Missing (a flow saved before it existed) = 'camera', as the runtime reads it.
    suppressPer: { value: 'camera', label: 'Suppress per', validate: orMissing(choiceValidator(['camera', 'site'])) },
    publish: { value: true },
  },
  label: function (this: any) {
    return this.name || tr(this, 'label.node', 'blacklist match');
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    return tr(this, 'port.input', 'detection or plate');
  },
  outputLabels: function (this: any, index: number) {
    return index === 0 ? tr(this, 'port.match', 'match') : tr(this, 'port.noMatch', 'no match');
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;

    // Older or hand-written flows may hold the numbers as strings, or out of range.
    $('#node-input-maxSubstitutions').val(['1', '2', '3', '4'].includes(String(node.maxSubstitutions)) ? String(node.maxSubstitutions) : '1');
    $('#node-input-maxDistance').val(String(node.maxDistance) === '2' ? '2' : '1');
    // A flow saved before suppressPer existed suppresses per camera (the runtime's default too).
    $('#node-input-suppressPer').val(node.suppressPer === 'site' ? 'site' : 'camera');

    const showKinds = () => {
      $('#lpr-blacklist-match-row-maxSubstitutions').toggle(isTrue(currentValue(node, 'lookalike', prefix)));
      $('#lpr-blacklist-match-row-maxDistance').toggle(isTrue(currentValue(node, 'fuzzy', prefix)));
      const any = ['exact', 'lookalike', 'fuzzy', 'pattern'].some((key) => isTrue(currentValue(node, key, prefix)));
      $('#lpr-blacklist-match-none-hint').toggle(!any);
    };
    const showList = () => {
      const listId = currentValue(node, 'list', prefix);
      const root = blacklistRoot(listId);
      const hasList = typeof listId === 'string' && listId !== '' && listId !== '_ADD_';
      const list = hasList ? RED.nodes.node(listId) : null;
      const count = list && Array.isArray(list.entries) ? list.entries.length : 0;
      const countKey =
        root === null ? (count === 1 ? 'hint.entriesOne' : 'hint.entriesMany') : count === 1 ? 'hint.entriesOneMqtt' : 'hint.entriesManyMqtt';
      $('#lpr-blacklist-match-list-hint').text(
        !hasList
          ? tr(node, 'hint.chooseList', 'Choose or add an lpr-blacklist: the watch list to match against.')
          : tr(node, countKey, `${count} ${count === 1 ? 'entry' : 'entries'} in its dialog, plus whatever arrives from flows${root === null ? '' : ' and MQTT'}.`, { count }),
      );
      const publish = isTrue(currentValue(node, 'publish', prefix));
      $('#lpr-blacklist-match-publish-hint')
        .text(
          root === null
            ? hasList
              ? tr(node, 'hint.noBroker', 'The list has no broker: nothing is published (messages still leave output 1).')
              : ''
            : publish
              ? tr(node, 'hint.publishes', `BlacklistNotification on ${root}/blacklist/notifications (QoS 1), through the list's broker.`, { root })
              : tr(node, 'hint.notPublished', 'Not published: notifications only leave output 1.'),
        )
        .toggle(hasList);
    };

    $('#node-input-exact, #node-input-lookalike, #node-input-fuzzy, #node-input-pattern').on('change', showKinds);
    $('#node-input-list, #node-input-publish').on('change', showList);

    showKinds();
    showList();
  },
});
