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


RED.nodes.registerType('lpr-camera-config', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-camera-config.svg',
  paletteLabel: 'camera config',
  inputs: 1,
  outputs: 2,
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: true, label: 'Broker' },
    camera: { value: '', label: 'Camera', validate: validateCameraFilter },
    configType: {
      value: 'detection_settings',
      label: 'Config type',
      validate: function (value: unknown, opt?: { label?: string }) {
        const v = str(value);
        // eslint-disable-next-line no-control-regex
        return v.length <= 64 && !/[\u0000-\u001f\u007f]/.test(v) ? true : `${prefix(opt)}must be empty (from msg.config_type) or 1-64 characters`;
      },
    },
    persist: { value: true },
    file: {
      value: '',
      label: 'File',
      validate: function (value: unknown, opt?: { label?: string }) {
        return str(value).length <= 4096 ? true : `${prefix(opt)}must be at most 4096 characters`;
      },
    },
    maxCameras: { value: 10000, label: 'Cameras tracked', validate: orMissing(numberValidator({ min: 1, max: 10000000, integer: true })) },
  },
  label: function (this: any) {
    if (this.name) return this.name;
    return 'config ' + (isAllCameras(this.camera) ? 'all cameras' : str(this.camera));
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: 'desired config / get / forget',
  outputLabels: ['reported config with diff', 'desired config published'],
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const showTopics = () => {
      const root = selectedRoot(node, prefix);
      const camera = currentValue(node, 'camera', prefix);
      const ok = validateCameraFilter(camera) === true;
      const fix = '(fix the camera first)';
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
