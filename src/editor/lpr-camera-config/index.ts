/**
 * Editor side of `lpr-camera-config`: desired configs published retained on
 * `{root}/cameras/{id}/config/update`, answers to `config/request`, and each reported config
 * (`{root}/cameras/{id}/config`) with its drift from the desired one.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-camera-config.html with acorn.
 * Property names are read by src/control/settings.ts; do not rename them.
 */
import {
  currentValue,
  isAllCameras,
  isTrue,
  numberValidator,
  orMissing,
  validateCameraFilter,
  prefix,
  str,
  selectedRoot,
} from '../shared/validate';
import { cameraTopicPreview } from '../shared/topics';

/** A text of this node's catalog; English where the editor has none (validators may run without `this._`). */
function tr(node: any, key: string, english: string, params?: Record<string, unknown>): string {
  return node && typeof node._ === 'function' ? node._(`lpr-camera-config.${key}`, params) : english;
}

RED.nodes.registerType('lpr-camera-config', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-camera-config.svg',
  paletteLabel: function (this: any) {
    return tr(this, 'paletteLabel', 'camera config');
  },
  inputs: 1,
  outputs: 2,
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: true, label: 'Broker' },
    camera: { value: '', label: 'Camera', validate: validateCameraFilter },
    configType: {
      value: 'detection_settings',
      label: 'Config type',
      validate: function (this: any, value: unknown, opt?: { label?: string }) {
        const v = str(value);
        // eslint-disable-next-line no-control-regex
        return v.length <= 64 && !/[\u0000-\u001f\u007f]/.test(v) ? true : prefix(opt) + tr(this, 'validate.configType', 'must be empty (from msg.config_type) or 1-64 characters');
      },
    },
    persist: { value: true },
    file: {
      value: '',
      label: 'File',
      validate: function (this: any, value: unknown, opt?: { label?: string }) {
        return str(value).length <= 4096 ? true : prefix(opt) + tr(this, 'validate.file', 'must be at most 4096 characters');
      },
    },
    maxCameras: { value: 10000, label: 'Cameras tracked', validate: orMissing(numberValidator({ min: 1, max: 10000000, integer: true })) },
  },
  label: function (this: any) {
    if (this.name) return this.name;
    const camera = isAllCameras(this.camera) ? tr(this, 'label.allCameras', 'all cameras') : str(this.camera);
    return tr(this, 'label.node', `config ${camera}`, { camera });
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    return tr(this, 'port.input', 'desired config / get / forget');
  },
  outputLabels: function (this: any, index: number) {
    return index === 0 ? tr(this, 'port.reported', 'reported config with diff') : tr(this, 'port.published', 'desired config published');
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const showTopics = () => {
      const root = selectedRoot(node, prefix);
      const camera = currentValue(node, 'camera', prefix);
      const ok = validateCameraFilter(camera) === true;
      const fix = tr(node, 'hint.fixCamera', '(fix the camera first)');
      $('#lpr-camera-config-reported').text(ok ? cameraTopicPreview(root, 'config', camera) : fix);
      $('#lpr-camera-config-request').text(ok ? cameraTopicPreview(root, 'configRequest', camera) : fix);
      $('#lpr-camera-config-update').text(ok ? cameraTopicPreview(root, 'configUpdate', camera, '<msg.camera>') : fix);
    };
    const showFile = () => {
      $('#lpr-camera-config-row-file').toggle(isTrue(currentValue(node, 'persist', prefix)));
    };
    $('#node-input-broker, #node-input-camera').on('change keyup paste', showTopics);
    $('#node-input-persist').on('change', showFile);
    showTopics();
    showFile();
  },
});
