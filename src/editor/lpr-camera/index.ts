/**
 * Editor side of `lpr-camera`: the edge side of the LPR topic tree for one camera (detections with
 * end-to-end acks, health, reported config, control responses; control commands and config
 * updates out).
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-camera.html with acorn.
 * Property names are read by src/edge/camera-settings.ts; do not rename them. The ranges match
 * the runtime's.
 */
import {
  currentValue,
  numberValidator,
  orMissing,
  validateCameraId,
  validateOptionalIdentifier,
  selectedRoot,
} from '../shared/validate';

/** A text of this node's catalog; English where the editor has none (validators may run without `this._`). */
function tr(node: any, key: string, english: string, params?: Record<string, unknown>): string {
  return node && typeof node._ === 'function' ? node._(`lpr-camera.${key}`, params) : english;
}

/** Validator for the journal file: empty (default location) or a path without NUL. */
function validateFile(this: any, value: unknown, opt?: { label?: string }): true | string {
  const text = value === undefined || value === null ? '' : String(value);
  const label = opt && opt.label ? `${opt.label}: ` : '';
  if (text.length > 4096) return label + tr(this, 'validate.fileLength', 'must be at most 4096 characters');
  if (text.indexOf('\u0000') >= 0) return label + tr(this, 'validate.fileNul', 'must not contain a NUL character');
  return true;
}

function validateDurability(this: any, value: unknown, opt?: { label?: string }): true | string {
  const label = opt && opt.label ? `${opt.label}: ` : '';
  // Missing (a node saved before the property existed) means the default, group commit.
  return value === undefined || value === '' || value === 'none' || value === 'group' || value === 'every' ? true : label + tr(this, 'validate.durability', 'must be none, group or every');
}

function validateOverflow(this: any, value: unknown, opt?: { label?: string }): true | string {
  const label = opt && opt.label ? `${opt.label}: ` : '';
  return value === 'drop-oldest' || value === 'reject-new' ? true : label + tr(this, 'validate.overflow', 'must be drop-oldest or reject-new');
}

RED.nodes.registerType('lpr-camera', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-camera.svg',
  paletteLabel: function (this: any) {
    return tr(this, 'paletteLabel', 'camera');
  },
  inputs: 1,
  outputs: 4,
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: true, label: 'Broker' },
    camera: { value: '', required: true, label: 'Camera', validate: validateCameraId },
    checkpoint: { value: '', label: 'Checkpoint', validate: validateOptionalIdentifier },
    ack: { value: true },
    ackTimeout: { value: 10, label: 'Ack timeout', validate: numberValidator({ min: 0.1, max: 86400, integer: false, unit: 's' }) },
    bufferSize: { value: 10000, label: 'Buffer', validate: numberValidator({ min: 1, max: 10000000, unit: 'detections' }) },
    overflow: { value: 'drop-oldest', label: 'When full', validate: validateOverflow },
    persist: { value: true },
    file: { value: '', label: 'File', validate: validateFile },
    durability: { value: 'group', label: 'On disk', validate: validateDurability },
    commitInterval: { value: 50, label: 'Commit every', validate: orMissing(numberValidator({ min: 0, max: 60000, unit: 'ms' })) },
    requestConfig: { value: true },
    blacklist: { value: false },
    matchAtEdge: { value: false },
    maxEntries: { value: 200000, label: 'Edge list size', validate: orMissing(numberValidator({ min: 1, max: 5000000, unit: 'entries' })) },
  },
  label: function (this: any) {
    const camera = String(this.camera || '').trim() || '?';
    return this.name || tr(this, 'label.node', `camera ${camera}`, { camera });
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    return tr(this, 'port.input', 'detection / health / config / control/response');
  },
  outputLabels: function (this: any, index: number) {
    if (index === 1) return tr(this, 'port.config', 'config updates');
    if (index === 2) return tr(this, 'port.blacklist', 'watch list');
    if (index === 3) return tr(this, 'port.notifications', 'edge-raised notifications');
    return tr(this, 'port.control', 'control commands');
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const showTopics = () => {
      const root = selectedRoot(node, prefix);
      const camera = currentValue(node, 'camera', prefix);
      const ok = validateCameraId(camera) === true;
      $('#lpr-camera-topics').text(ok ? `${root}/cameras/${String(camera).trim()}/…` : tr(node, 'hint.fixCamera', '(fix the camera id first)'));
    };
    const showAck = () => {
      $('#lpr-camera-row-ackTimeout').toggle($('#node-input-ack').is(':checked'));
    };
    // Nodes saved before durability existed have no value: show the default the runtime uses.
    if (!$('#node-input-durability').val()) $('#node-input-durability').val('group');
    if (String($('#node-input-commitInterval').val() ?? '').trim() === '') $('#node-input-commitInterval').val(50);
    const showPersist = () => {
      const persist = $('#node-input-persist').is(':checked');
      $('#lpr-camera-row-file, #lpr-camera-row-durability').toggle(persist);
      $('#lpr-camera-row-commitInterval').toggle(persist && $('#node-input-durability').val() === 'group');
    };
    $('#node-input-broker, #node-input-camera').on('change keyup paste', showTopics);
    $('#node-input-ack').on('change', showAck);
    $('#node-input-persist, #node-input-durability').on('change', showPersist);
    if (String($('#node-input-maxEntries').val() ?? '').trim() === '') $('#node-input-maxEntries').val(200000);
    const showEdge = () => {
      const list = $('#node-input-blacklist').is(':checked');
      $('#lpr-camera-row-matchAtEdge').toggle(list);
      $('#lpr-camera-row-maxEntries').toggle(list && $('#node-input-matchAtEdge').is(':checked'));
    };
    $('#node-input-blacklist, #node-input-matchAtEdge').on('change', showEdge);
    showEdge();
    showTopics();
    showAck();
    showPersist();
  },
});
