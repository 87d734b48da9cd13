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
  translatorOf,
} from '../shared/validate';

/** What each action does, for the dialog: the key of its hint in the catalog. */
const ACTION_HINTS: Record<string, string> = {
  '': 'lpr-blacklist-update.actionHint.fromMsg',
  add: 'lpr-blacklist-update.actionHint.add',
  remove: 'lpr-blacklist-update.actionHint.remove',
  replace: 'lpr-blacklist-update.actionHint.replace',
  import: 'lpr-blacklist-update.actionHint.import',
  export: 'lpr-blacklist-update.actionHint.export',
};

/** The node's label for each action (`blacklist add`, ...). */
const ACTION_LABELS: Record<string, string> = {
  add: 'lpr-blacklist-update.nodeLabel.add',
  remove: 'lpr-blacklist-update.nodeLabel.remove',
  replace: 'lpr-blacklist-update.nodeLabel.replace',
  import: 'lpr-blacklist-update.nodeLabel.import',
  export: 'lpr-blacklist-update.nodeLabel.export',
};

RED.nodes.registerType('lpr-blacklist-update', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-blacklist-update.svg',
  paletteLabel: function (this: any) {
    return translatorOf(this)('lpr-blacklist-update.paletteLabel');
  },
  inputs: 1,
  outputs: 1,
  defaults: {
    name: { value: '' },
    list: { value: '', type: 'lpr-blacklist', required: true, label: 'List' },
    action: { value: '', label: 'Action', validate: choiceValidator(['', 'add', 'remove', 'replace', 'import', 'export']) },
    publish: { value: true },
  },
  label: function (this: any) {
    if (this.name) return this.name;
    const t = translatorOf(this);
    const action = String(this.action ?? '');
    if (!action) return t('lpr-blacklist-update.nodeLabel.update');
    return action in ACTION_LABELS ? t(ACTION_LABELS[action]!) : t('lpr-blacklist-update.nodeLabel.action', { action });
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    const t = translatorOf(this);
    if (this.action === 'import') return t('lpr-blacklist-update.inputLabel.import');
    if (this.action === 'export') return t('lpr-blacklist-update.inputLabel.export');
    return t(this.action ? 'lpr-blacklist-update.inputLabel.entries' : 'lpr-blacklist-update.inputLabel.fromMsg');
  },
  outputLabels: function (this: any) {
    return translatorOf(this)(this.action === 'export' ? 'lpr-blacklist-update.outputLabel.export' : 'lpr-blacklist-update.outputLabel.result');
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const t = translatorOf(node);

    const show = () => {
      const action = String(currentValue(node, 'action', prefix) ?? '');
      const hintKey = ACTION_HINTS[action];
      $('#lpr-blacklist-update-action-hint').text(hintKey ? t(hintKey) : '');
      // Export changes nothing, so there is nothing to publish.
      $('#lpr-blacklist-update-row-publish').toggle(action !== 'export');
      const listId = currentValue(node, 'list', prefix);
      const hasList = typeof listId === 'string' && listId !== '' && listId !== '_ADD_';
      const root = blacklistRoot(listId);
      const publish = isTrue(currentValue(node, 'publish', prefix));
      let hint = '';
      if (action !== 'export' && hasList) {
        if (root === null) hint = t('lpr-blacklist-update.hint.noBroker');
        else if (publish) hint = t('lpr-blacklist-update.hint.published', { root });
        else hint = t('lpr-blacklist-update.hint.notPublished');
      }
      $('#lpr-blacklist-update-publish-hint').text(hint).toggle(hint !== '');
    };

    $('#node-input-action, #node-input-list, #node-input-publish').on('change', show);
    show();
  },
});
