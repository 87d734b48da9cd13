/**
 * Editor side of `lpr-blacklist-update`: a flow adds, removes, replaces, imports (CSV) or exports the
 * entries of an `lpr-blacklist`, optionally publishing each change on `{root}/blacklist/updates`.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-blacklist-update.html with acorn.
 * Property names are read by src/nodes/lpr-blacklist-update.ts; do not rename them.
 */
import {
  blacklistRoot,
  choiceValidator,
  currentValue,
  isTrue,
} from '../shared/validate';

/** What each action does, for the dialog. */
const ACTION_HINTS: Record<string, string> = {
  '': 'The action comes from msg.action: add, remove, replace, import or export (or the action of a BlacklistUpdate in msg.payload).',
  add: 'Adds msg.payload (an entry, an array of entries or a BlacklistUpdate); an entry with the same plate, province and list is replaced.',
  remove: 'Removes the dynamic entries with the plates in msg.payload (and their province / list when given). Editor entries stay.',
  replace: 'Replaces every dynamic entry with msg.payload (an empty array clears them). Editor entries stay.',
  import: 'msg.payload is CSV text (string or Buffer) with a header line; msg.mode = "replace" replaces instead of adding. One bad row rejects the whole file.',
  export: 'Sends every live entry as CSV text in msg.payload (msg.format = "json": as an array). Changes nothing.',
};

RED.nodes.registerType('lpr-blacklist-update', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-blacklist-update.svg',
  paletteLabel: 'blacklist update',
  inputs: 1,
  outputs: 1,
  defaults: {
    name: { value: '' },
    list: { value: '', type: 'lpr-blacklist', required: true, label: 'List' },
    action: { value: '', label: 'Action', validate: choiceValidator(['', 'add', 'remove', 'replace', 'import', 'export']) },
    publish: { value: true },
  },
  label: function (this: any) {
    return this.name || 'blacklist ' + (this.action ? String(this.action) : 'update');
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    if (this.action === 'import') return 'CSV text';
    if (this.action === 'export') return 'any message';
    return this.action ? 'entries' : 'msg.action + entries / CSV';
  },
  outputLabels: function (this: any) {
    return this.action === 'export' ? 'CSV (or JSON) of the list' : '{action, added, removed, total}';
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;

    const show = () => {
      const action = String(currentValue(node, 'action', prefix) ?? '');
      $('#lpr-blacklist-update-action-hint').text(ACTION_HINTS[action] ?? '');
      // Export changes nothing, so there is nothing to publish.
      $('#lpr-blacklist-update-row-publish').toggle(action !== 'export');
      const listId = currentValue(node, 'list', prefix);
      const hasList = typeof listId === 'string' && listId !== '' && listId !== '_ADD_';
      const root = blacklistRoot(listId);
      const publish = isTrue(currentValue(node, 'publish', prefix));
      let hint = '';
      if (action !== 'export' && hasList) {
        if (root === null) hint = 'The list has no broker: changes stay in this Node-RED.';
        else if (publish) hint = `Each change is published as a BlacklistUpdate on ${root}/blacklist/updates (QoS 1).`;
        else hint = 'Changes are not published: cameras and other servers do not learn of them.';
      }
      $('#lpr-blacklist-update-publish-hint').text(hint).toggle(hint !== '');
    };

    $('#node-input-action, #node-input-list, #node-input-publish').on('change', show);
    show();
  },
});
