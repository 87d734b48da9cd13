/**
 * Editor side of `lpr-detection-in`: validated detections from `{root}/cameras/{id}/detection`.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-detection-in.html with acorn.
 * Property names are read by src/nodes/lpr-detection-in.ts; do not rename them.
 */
import {
  currentValue,
  isAllCameras,
  isTrue,
  numberValidator,
  orMissing,
  validateCameraFilter,
  validateOptionalIdentifier,
  selectedRoot,
} from '../shared/validate';
import { detectionSubscription } from '../shared/topics';

RED.nodes.registerType('lpr-detection-in', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr.svg',
  paletteLabel: 'detection in',
  inputs: 0,
  outputs: 1,
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: true, label: 'Broker' },
    camera: { value: '', label: 'Camera', validate: validateCameraFilter },
    sharedGroup: { value: '', label: 'Shared group', validate: validateOptionalIdentifier },
    ack: { value: true },
    dedupe: { value: 300, label: 'Dedupe window', validate: numberValidator({ min: 0, max: 604800, unit: 's' }) },
    dedupeSize: { value: 100000, label: 'Dedupe memory', validate: numberValidator({ min: 1, max: 10000000, unit: 'ids' }) },
    split: { value: false },
    maxBytes: { value: 262144, label: 'Max size', validate: numberValidator({ min: 1, max: 67108864, unit: 'bytes' }) },
    rateLimit: { value: 20, label: 'Rate limit', validate: orMissing(numberValidator({ min: 0, max: 1000000, integer: false, unit: 'detections/s' })) },
    rateBurst: { value: 1000, label: 'Burst', validate: orMissing(numberValidator({ min: 1, max: 10000000, unit: 'detections' })) },
    rateAlertInterval: { value: 60, label: 'Alert at most every', validate: orMissing(numberValidator({ min: 1, max: 86400, integer: false, unit: 's' })) },
  },
  label: function (this: any) {
    return this.name || 'detections ' + (isAllCameras(this.camera) ? 'all cameras' : String(this.camera).trim());
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (this: any) {
    return isTrue(this.split) ? 'one message per plate' : 'detection';
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const dedupe = $('#node-input-dedupe');
    const split = $('#node-input-split');
    const rate = $('#node-input-rateLimit');
    // Nodes saved before the rate limit existed have no value: show the default the runtime uses.
    for (const [key, value] of [['rateLimit', 20], ['rateBurst', 1000], ['rateAlertInterval', 60]] as const) {
      if (node[key] === undefined) $(`#node-input-${key}`).val(value);
    }

    const showDedupe = () => {
      $('#lpr-detection-in-row-dedupeSize').toggle(String(dedupe.val()).trim() !== '0');
    };
    const showRate = () => {
      const on = Number(String(rate.val()).trim()) !== 0;
      $('#lpr-detection-in-row-rateBurst, #lpr-detection-in-row-rateAlertInterval').toggle(on);
    };
    const showSplit = () => {
      $('#lpr-detection-in-split-hint').toggle(split.is(':checked'));
    };
    const showSubscription = () => {
      const root = selectedRoot(node, prefix);
      const camera = currentValue(node, 'camera', prefix);
      const group = currentValue(node, 'sharedGroup', prefix);
      const ok = validateCameraFilter(camera) === true && validateOptionalIdentifier(group) === true;
      $('#lpr-detection-in-subscription').text(ok ? detectionSubscription(root, camera, group) : '(fix the camera / group first)');
    };

    dedupe.on('change keyup', showDedupe);
    split.on('change', showSplit);
    rate.on('change keyup', showRate);
    $('#node-input-broker, #node-input-camera, #node-input-sharedGroup').on('change keyup paste', showSubscription);

    showDedupe();
    showSplit();
    showRate();
    showSubscription();
  },
});
