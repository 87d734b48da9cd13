/**
 * Editor side of `lpr-camera-control`: a Control command to a camera on
 * `{root}/cameras/{id}/control` and its correlated ControlResponse, or a timeout.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-camera-control.html with acorn.
 * Property names are read by src/control/settings.ts; do not rename them.
 */
import {
  currentValue,
  isAllCameras,
  validateCameraFilter,
  prefix,
  str,
  selectedBroker,
  selectedRoot,
} from '../shared/validate';
import { cameraTopicPreview } from '../shared/topics';

const COMMAND_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const PRIORITIES = ['low', 'normal', 'medium', 'high', 'critical'];

/** A text of this node's catalog; English where the editor has none (validators may run without `this._`). */
function tr(node: any, key: string, english: string, params?: Record<string, unknown>): string {
  return node && typeof node._ === 'function' ? node._(`lpr-camera-control.${key}`, params) : english;
}

RED.nodes.registerType('lpr-camera-control', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-camera-control.svg',
  paletteLabel: function (this: any) {
    return tr(this, 'paletteLabel', 'camera control');
  },
  inputs: 1,
  outputs: 2,
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: true, label: 'Broker' },
    camera: { value: '', label: 'Camera', validate: validateCameraFilter },
    command: {
      value: '',
      label: 'Command',
      validate: function (this: any, value: unknown, opt?: { label?: string }) {
        const v = str(value);
        return v === '' || COMMAND_RE.test(v) ? true : prefix(opt) + tr(this, 'validate.command', 'must be empty (from msg.payload.command) or 1-64 letters, digits, _ . -');
      },
    },
    timeout: {
      value: 10,
      label: 'Timeout',
      validate: function (this: any, value: unknown, opt?: { label?: string }) {
        const v = str(value);
        const n = Number(v);
        return /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(v) && n > 0 && n <= 86400 ? true : prefix(opt) + tr(this, 'validate.timeout', 'must be a number of seconds more than 0, at most 86400');
      },
    },
    priority: {
      value: '',
      label: 'Priority',
      validate: function (this: any, value: unknown, opt?: { label?: string }) {
        const v = str(value);
        const list = PRIORITIES.join(', ');
        return v === '' || PRIORITIES.indexOf(v) >= 0 ? true : prefix(opt) + tr(this, 'validate.priority', `must be empty or one of ${list}`, { list });
      },
    },
  },
  label: function (this: any) {
    if (this.name) return this.name;
    const command = str(this.command) || tr(this, 'label.defaultCommand', 'command');
    return isAllCameras(this.camera) ? command : `${command} → ${str(this.camera)}`;
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    return tr(this, 'port.command', 'command');
  },
  outputLabels: function (this: any, index: number) {
    return index === 0 ? tr(this, 'port.response', 'response') : tr(this, 'port.timeoutRejected', 'timeout / rejected');
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const showTopics = () => {
      const broker = selectedBroker(node, prefix);
      const root = selectedRoot(node, prefix);
      const camera = currentValue(node, 'camera', prefix);
      const ok = validateCameraFilter(camera) === true;
      const fix = tr(node, 'hint.fixCamera', '(fix the camera first)');
      $('#lpr-camera-control-topic').text(ok ? cameraTopicPreview(root, 'control', camera, '<msg.camera>') : fix);
      $('#lpr-camera-control-response').text(ok ? cameraTopicPreview(root, 'controlResponse', camera) : fix);
      $('#lpr-camera-control-mqtt5').toggle(!!broker && String(broker.protocolVersion) === '5');
    };
    $('#node-input-broker, #node-input-camera').on('change keyup paste', showTopics);
    showTopics();
  },
});
