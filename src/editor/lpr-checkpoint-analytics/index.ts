/**
 * Editor side of `lpr-checkpoint-analytics`: per-checkpoint tumbling windows published as
 * CheckpointAnalytics on `{root}/checkpoints/{id}/analytics`, and the retained CheckpointStatus.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-checkpoint-analytics.html with acorn.
 * Property names are read by src/analytics/settings.ts; the ranges match the runtime's.
 */
import {
  currentValue,
  isTrue,
  numberValidator,
  orMissing,
  str,
  validateOptionalIdentifier,
  selectedRoot,
  translatorOf,
} from '../shared/validate';

RED.nodes.registerType('lpr-checkpoint-analytics', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-checkpoint-analytics.svg',
  paletteLabel: function (this: any) {
    return translatorOf(this)('lpr-checkpoint-analytics.paletteLabel');
  },
  inputs: 1,
  outputs: 1,
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: true, label: 'Broker' },
    checkpoint: { value: '', label: 'Checkpoint', validate: validateOptionalIdentifier },
    window: { value: 60, label: 'Window', validate: numberValidator({ min: 1, max: 86400, unit: 's' }) },
    publish: { value: true },
    status: { value: true },
    uniqueCap: { value: 100000, label: 'Exact unique plates up to', validate: numberValidator({ min: 0, max: 10000000 }) },
    maxCameras: { value: 100000, label: 'Cameras tracked', validate: orMissing(numberValidator({ min: 1, max: 10000000, integer: true })) },
  },
  label: function (this: any) {
    if (this.name) return this.name;
    const cp = str(this.checkpoint);
    const t = translatorOf(this);
    return cp === '' || cp === '+' ? t('lpr-checkpoint-analytics.nodeLabel.all') : t('lpr-checkpoint-analytics.nodeLabel.checkpoint', { checkpoint: cp });
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    return translatorOf(this)('lpr-checkpoint-analytics.inputLabel');
  },
  outputLabels: function (this: any) {
    return translatorOf(this)('lpr-checkpoint-analytics.outputLabel');
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const showTopics = () => {
      const root = selectedRoot(node, prefix);
      const cp = str(currentValue(node, 'checkpoint', prefix));
      const id = cp === '' || cp === '+' ? '{checkpoint_id}' : cp;
      $('#lpr-checkpoint-analytics-topic').text(`${root}/checkpoints/${id}/analytics`);
      $('#lpr-checkpoint-analytics-status-topic').text(`${root}/checkpoints/${id}/status`);
      $('#lpr-checkpoint-analytics-topic-hint').toggle(isTrue(currentValue(node, 'publish', prefix)));
      $('#lpr-checkpoint-analytics-status-hint').toggle(isTrue(currentValue(node, 'status', prefix)));
    };
    $('#node-input-broker, #node-input-checkpoint').on('change keyup paste', showTopics);
    $('#node-input-publish, #node-input-status').on('change', showTopics);
    showTopics();
  },
});
