/**
 * Editor side of `lpr-health-monitor`: per-camera healthy / warning / critical / offline from
 * `{root}/cameras/{id}/health`, wills and silence.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-health-monitor.html with acorn.
 * Property names are read by src/runtime/health-settings.ts; do not rename them. The ranges match
 * the runtime's, except that the percent thresholds are limited to 0-100 here.
 */
import {
  criticalValidator,
  currentValue,
  decimalValidator,
  isAllCameras,
  isTrue,
  numberValidator,
  orMissing,
  statusList,
  validateCameraFilter,
  validateStatusList,
  selectedRoot,
  translatorOf,
} from '../shared/validate';
import { healthSubscription } from '../shared/topics';

RED.nodes.registerType('lpr-health-monitor', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-health-monitor.svg',
  paletteLabel: function (this: any) {
    return translatorOf(this)('lpr-health-monitor.paletteLabel');
  },
  inputs: 1,
  outputs: 2,
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: true, label: 'Broker' },
    camera: { value: '', label: 'Camera', validate: validateCameraFilter },
    offlineAfter: { value: 90, label: 'Offline after', validate: numberValidator({ min: 1, max: 86400, unit: 's' }) },
    summaryInterval: { value: 60, label: 'Summary every', validate: numberValidator({ min: 0, max: 86400, unit: 's' }) },
    summaryMax: { value: 0, label: 'Summary lists', validate: orMissing(numberValidator({ min: 0, max: 10000000, integer: true })) },
    maxCameras: { value: 10000, label: 'Cameras tracked', validate: orMissing(numberValidator({ min: 1, max: 10000000, integer: true })) },
    cpuWarning: { value: 80, label: 'CPU warning', validate: decimalValidator({ min: 0, max: 100, unit: '%' }) },
    cpuCritical: { value: 95, label: 'CPU critical', validate: criticalValidator('cpuWarning', { min: 0, max: 100, unit: '%' }) },
    memoryWarning: { value: 85, label: 'Memory warning', validate: decimalValidator({ min: 0, max: 100, unit: '%' }) },
    memoryCritical: { value: 95, label: 'Memory critical', validate: criticalValidator('memoryWarning', { min: 0, max: 100, unit: '%' }) },
    diskWarning: { value: 85, label: 'Disk warning', validate: decimalValidator({ min: 0, max: 100, unit: '%' }) },
    diskCritical: { value: 95, label: 'Disk critical', validate: criticalValidator('diskWarning', { min: 0, max: 100, unit: '%' }) },
    temperatureWarning: { value: 70, label: 'Temperature warning', validate: decimalValidator({ min: -100, max: 200, unit: '°C' }) },
    temperatureCritical: {
      value: 85,
      label: 'Temperature critical',
      validate: criticalValidator('temperatureWarning', { min: -100, max: 200, unit: '°C' }),
    },
    hysteresis: { value: 5, label: 'Hysteresis', validate: decimalValidator({ min: 0, max: 100 }) },
    cameraStatusWarning: { value: 'degraded, reconnecting', label: 'camera_status warning', validate: validateStatusList },
    cameraStatusCritical: { value: 'error, fault, failed, offline, disconnected', label: 'camera_status critical', validate: validateStatusList },
    networkStatusWarning: { value: 'degraded, unstable, poor, limited', label: 'network_status warning', validate: validateStatusList },
    networkStatusCritical: { value: 'disconnected, offline, down', label: 'network_status critical', validate: validateStatusList },
    publishSystemHealth: { value: false },
    publishAlerts: { value: false },
  },
  label: function (this: any) {
    if (this.name) return this.name;
    const t = translatorOf(this);
    return isAllCameras(this.camera) ? t('lpr-health-monitor.nodeLabel.all') : t('lpr-health-monitor.nodeLabel.camera', { camera: String(this.camera).trim() });
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    return translatorOf(this)('lpr-health-monitor.inputLabel');
  },
  outputLabels: function (this: any, index: number) {
    return translatorOf(this)(index === 0 ? 'lpr-health-monitor.outputLabel.changes' : 'lpr-health-monitor.outputLabel.summary');
  },
  oneditprepare: function (this: any) {
    const prefix = 'node-input';
    const node = this;
    const t = translatorOf(node);

    const showTopics = () => {
      const r = selectedRoot(node, prefix);
      const camera = currentValue(node, 'camera', prefix);
      $('#lpr-health-monitor-subscription').text(validateCameraFilter(camera) === true ? healthSubscription(r, camera) : t('lpr-health-monitor.hint.fixFirst'));
      $('#lpr-health-monitor-system-topic').text(`${r}/system/health`);
      $('#lpr-health-monitor-alerts-topic').text(`${r}/system/alerts`);
    };
    const showSummary = () => {
      const value = String($('#node-input-summaryInterval').val()).trim();
      $('#lpr-health-monitor-summary-hint').text(t(value === '0' ? 'lpr-health-monitor.hint.summaryOff' : 'lpr-health-monitor.hint.summaryOn'));
    };
    const showPublish = () => {
      $('#lpr-health-monitor-system-hint').toggle(isTrue(currentValue(node, 'publishSystemHealth', prefix)));
      $('#lpr-health-monitor-alerts-hint').toggle(isTrue(currentValue(node, 'publishAlerts', prefix)));
    };
    // The critical list is checked first: a value in both lists only ever raises critical.
    const showOverlap = () => {
      const overlap: string[] = [];
      for (const kind of ['camera', 'network']) {
        const critical = statusList(currentValue(node, `${kind}StatusCritical`, prefix));
        for (const value of statusList(currentValue(node, `${kind}StatusWarning`, prefix))) {
          if (critical.includes(value)) overlap.push(`${kind}_status "${value}"`);
        }
      }
      $('#lpr-health-monitor-overlap')
        .text(overlap.length ? t('lpr-health-monitor.hint.overlap', { values: overlap.join(', ') }) : '')
        .toggle(overlap.length > 0);
    };

    $('#node-input-broker, #node-input-camera').on('change keyup paste', showTopics);
    $('#node-input-summaryInterval').on('change keyup', showSummary);
    $('#node-input-publishSystemHealth, #node-input-publishAlerts').on('change', showPublish);
    $('#node-input-cameraStatusWarning, #node-input-cameraStatusCritical, #node-input-networkStatusWarning, #node-input-networkStatusCritical').on(
      'change keyup paste',
      showOverlap,
    );

    showTopics();
    showSummary();
    showPublish();
    showOverlap();
  },
});
