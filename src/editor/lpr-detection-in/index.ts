/**
 * Editor side of `lpr-detection-in`: validated detections from `{root}/cameras/{id}/detection`.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-detection-in.html with acorn.
 * Property names are read by src/nodes/lpr-detection-in.ts; do not rename them.
 */
import {
  type EditorTranslate,
  choiceValidator,
  currentValue,
  isAllCameras,
  isTrue,
  numberValidator,
  orMissing,
  validateCameraFilter,
  validateOptionalIdentifier,
  selectedRoot,
  translatorOf,
} from '../shared/validate';
import { detectionSubscription } from '../shared/topics';

RED.nodes.registerType('lpr-detection-in', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-detection-in.svg',
  paletteLabel: function (this: any) {
    return translatorOf(this)('lpr-detection-in.paletteLabel');
  },
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
    // Flows saved before batches existed send one message per detection.
    batch: { value: 0, label: 'Batch', validate: orMissing(numberValidator({ min: 0, max: 10000, unit: 'entries' })) },
    batchWindow: { value: 50, label: 'Batch wait', validate: orMissing(numberValidator({ min: 1, max: 60000, integer: false, unit: 'ms' })) },
    maxBytes: { value: 262144, label: 'Max size', validate: numberValidator({ min: 1, max: 67108864, unit: 'bytes' }) },
    rateLimit: { value: 20, label: 'Rate limit', validate: orMissing(numberValidator({ min: 0, max: 1000000, integer: false, unit: 'detections/s' })) },
    rateBurst: { value: 1000, label: 'Burst', validate: orMissing(numberValidator({ min: 1, max: 10000000, unit: 'detections' })) },
    rateAlertInterval: { value: 60, label: 'Alert at most every', validate: orMissing(numberValidator({ min: 1, max: 86400, integer: false, unit: 's' })) },
    // Flows saved before these existed ack on hand-over, as they did.
    ackWhen: { value: 'handover', label: 'Ack when', validate: orMissing(choiceValidator(['handover', 'complete'])) },
    // A list of node ids ('*[]'): Node-RED maps them to the new ids when a flow is imported as a copy.
    ackScope: { value: [], type: '*[]', label: 'Ack scope', validate: validateAckScope },
    ackTimeout: { value: 30, label: 'Ack timeout', validate: orMissing(numberValidator({ min: 0.1, max: 86400, integer: false, unit: 's' })) },
    // Flows saved before images existed take none.
    images: { value: false },
    imageCount: { value: 200, label: 'Images kept', validate: orMissing(numberValidator({ min: 1, max: 100000, unit: 'images' })) },
    imageMemory: { value: 32, label: 'Image memory', validate: orMissing(numberValidator({ min: 1, max: 4096, integer: false, unit: 'MiB' })) },
  },
  label: function (this: any) {
    if (this.name) return this.name;
    const t = translatorOf(this);
    return isAllCameras(this.camera) ? t('lpr-detection-in.nodeLabel.all') : t('lpr-detection-in.nodeLabel.camera', { camera: String(this.camera).trim() });
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (this: any) {
    const batched = Number(this.batch) > 1;
    const key = batched ? (isTrue(this.split) ? 'batchSplit' : 'batch') : isTrue(this.split) ? 'split' : 'detection';
    return translatorOf(this)(`lpr-detection-in.outputLabel.${key}`);
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const t = translatorOf(node);
    const dedupe = $('#node-input-dedupe');
    const split = $('#node-input-split');
    const rate = $('#node-input-rateLimit');
    // Nodes saved before the rate limit existed have no value: show the default the runtime uses.
    for (const [key, value] of [['rateLimit', 20], ['rateBurst', 1000], ['rateAlertInterval', 60], ['ackWhen', 'handover'], ['ackTimeout', 30], ['imageCount', 200], ['imageMemory', 32], ['batch', 0], ['batchWindow', 50]] as const) {
      if (node[key] === undefined) $(`#node-input-${key}`).val(value);
    }
    const ackWhen = $('#node-input-ackWhen');
    fillAckScope(node, t);

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
    const showAck = () => {
      $('#lpr-detection-in-ack-complete').toggle(ackWhen.val() === 'complete');
    };
    const batch = $('#node-input-batch');
    const showBatch = () => {
      $('#lpr-detection-in-row-batchWindow, #lpr-detection-in-batch-hint').toggle(Number(String(batch.val()).trim()) > 1);
    };
    const images = $('#node-input-images');
    const showImages = () => {
      $('#lpr-detection-in-row-imageCount, #lpr-detection-in-row-imageMemory, #lpr-detection-in-images-hint').toggle(images.is(':checked'));
    };
    const showSubscription = () => {
      const root = selectedRoot(node, prefix);
      const camera = currentValue(node, 'camera', prefix);
      const group = currentValue(node, 'sharedGroup', prefix);
      const ok = validateCameraFilter(camera) === true && validateOptionalIdentifier(group) === true;
      $('#lpr-detection-in-subscription').text(ok ? detectionSubscription(root, camera, group) : t('lpr-detection-in.hint.fixFirst'));
    };

    dedupe.on('change keyup', showDedupe);
    split.on('change', showSplit);
    rate.on('change keyup', showRate);
    ackWhen.on('change', showAck);
    images.on('change', showImages);
    batch.on('change keyup', showBatch);
    $('#node-input-broker, #node-input-camera, #node-input-sharedGroup').on('change keyup paste', showSubscription);

    showDedupe();
    showSplit();
    showRate();
    showAck();
    showImages();
    showBatch();
    showSubscription();
  },
  // Set before the editor reads the inputs: it then finds the list unchanged. (For a property with a
  // node-reference type it would otherwise look the old list up as a config node, and fail.)
  oneditsave: function (this: any) {
    const chosen = $('#node-input-ackScope').val();
    this.ackScope = Array.isArray(chosen) ? chosen.map(String) : [];
  },
});

/** ackScope: a list of node ids (empty = the nodes wired to the output). */
function validateAckScope(this: unknown, value: unknown, opt?: { label?: string }): true | string {
  if (value === undefined || value === null || value === '') return true;
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || id === '')) {
    return `${opt && opt.label ? opt.label + ': ' : ''}${translatorOf(this)('lpr-detection-in.validate.ackScope')}`;
  }
  return true;
}

/**
 * The scope list: every other node on this node's tab, as the core Complete node offers them,
 * with the chosen ones selected. A multiple select, so the editor saves the selection as an array.
 */
function fillAckScope(node: any, t: EditorTranslate): void {
  const select = $('#node-input-ackScope');
  select.empty();
  const chosen: string[] = Array.isArray(node.ackScope) ? node.ackScope : [];
  const wired: string[] = Array.isArray(node.wires) && Array.isArray(node.wires[0]) ? node.wires[0] : [];
  const candidates: any[] = RED.nodes.filterNodes({ z: node.z }).filter((n: any) => n.id !== node.id);
  for (const n of candidates) {
    const def = RED.nodes.getType(n.type);
    let label = '';
    try {
      label = def && typeof def.label === 'function' ? def.label.call(n) : (def && def.label) || '';
    } catch {
      label = '';
    }
    const text = t(wired.includes(n.id) ? 'lpr-detection-in.hint.wired' : 'lpr-detection-in.hint.notWired', { label: label || n.type, type: n.type });
    $('<option>').val(n.id).text(text).appendTo(select);
  }
  // A chosen node that is no longer on the tab stays listed, so saving does not drop it silently.
  for (const id of chosen) if (!candidates.some((n: any) => n.id === id)) $('<option>').val(id).text(t('lpr-detection-in.hint.notOnTab', { id })).appendTo(select);
  select.val(chosen);
}
