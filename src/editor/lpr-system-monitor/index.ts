/**
 * Editor side of `lpr-system-monitor`: metrics of every lpr-broker, the seed's health check,
 * alerts and log lines, optional Prometheus exposition.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-system-monitor.html with acorn.
 * Property names are read by src/monitor/settings.ts; do not rename them.
 */
import {
  currentValue,
  isTrue,
  numberValidator,
  prefix,
  str,
  selectedRoot,
  translatorOf,
} from '../shared/validate';

/** The metrics path: `/` then letters, digits, `.`, `_`, `~`, `-`, `/` (as the runtime checks). */
function validateMetricsPath(this: any, value: unknown, opt?: { label?: string }): true | string {
  const text = str(value);
  if (text === '') return true;
  return /^\/[A-Za-z0-9._~\-/]*$/.test(text) ? true : prefix(opt) + translatorOf(this)('lpr-system-monitor.validate.path');
}

RED.nodes.registerType('lpr-system-monitor', {
  category: 'LPR',
  color: '#9fc5e8',
  icon: 'lpr-system-monitor.svg',
  paletteLabel: function (this: any) {
    return translatorOf(this)('lpr-system-monitor.paletteLabel');
  },
  inputs: 1,
  outputs: 1,
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: true, label: 'Broker' },
    interval: { value: 30, label: 'Interval', validate: numberValidator({ min: 0, max: 86400, unit: 's' }) },
    publish: { value: true },
    prometheus: { value: false },
    path: { value: '/lpr/metrics', label: 'Path', validate: validateMetricsPath },
    control: { value: true },
  },
  label: function (this: any) {
    return this.name || translatorOf(this)('lpr-system-monitor.nodeLabel');
  },
  labelStyle: function (this: any) {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function (this: any) {
    return translatorOf(this)('lpr-system-monitor.inputLabel');
  },
  outputLabels: function (this: any) {
    return translatorOf(this)('lpr-system-monitor.outputLabel');
  },
  oneditprepare: function (this: any) {
    const inputPrefix = 'node-input';
    const node = this;
    const t = translatorOf(node);
    const root = () => selectedRoot(node, inputPrefix);
    const showTopics = () => {
      const r = root();
      $('#lpr-system-monitor-monitoring-topic').text(`${r}/system/monitoring`);
      $('#lpr-system-monitor-control-topic').text(`${r}/system/control`);
      $('#lpr-system-monitor-alerts-topic').text(`${r}/system/alerts`);
      $('#lpr-system-monitor-logs-topic').text(`${r}/system/logs`);
    };
    const showInterval = () => {
      const value = str($('#node-input-interval').val());
      $('#lpr-system-monitor-interval-hint').text(t(value === '0' ? 'lpr-system-monitor.hint.intervalOff' : 'lpr-system-monitor.hint.intervalOn'));
    };
    const showOptions = () => {
      $('#lpr-system-monitor-publish-hint').toggle(isTrue(currentValue(node, 'publish', inputPrefix)));
      $('#lpr-system-monitor-control-hint').toggle(isTrue(currentValue(node, 'control', inputPrefix)));
      $('#lpr-system-monitor-path-row').toggle(isTrue(currentValue(node, 'prometheus', inputPrefix)));
    };
    $('#node-input-broker').on('change', showTopics);
    $('#node-input-interval').on('change keyup', showInterval);
    $('#node-input-publish, #node-input-prometheus, #node-input-control').on('change', showOptions);
    showTopics();
    showInterval();
    showOptions();
  },
});
