/**
 * Editor side of the `lpr-broker` config node: one shared MQTT connection for the LPR nodes.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`/`credentials`): the Flow Library scorecard parses dist/lpr-broker.html with acorn.
 * Property names are read by src/nodes/lpr-broker.ts; do not rename them.
 */
import {
  brokerHasCredentials,
  brokerLabel,
  brokerUrlPort,
  currentValue,
  isBrokerUrl,
  isTrue,
  numberValidator,
  parseBrokerUrl,
  portProblem,
  validateBroker,
  validateClientId,
  validateEra,
  validateTimeZone,
  translatorOf,
  validateTopicRoot,
} from '../shared/validate';

const PREFIX = 'node-config-input';

/**
 * What the deployed broker connection found its broker can do (GET lpr-broker/<id>/capabilities):
 * what an MQTT 5 CONNACK announced and what the self-test found, shown under Self-test.
 */
function showCapabilities(id: string, t: ReturnType<typeof translatorOf>): void {
  const box = $('#lpr-broker-capabilities').text(t('lpr-broker.capabilityBox.loading'));
  $.getJSON(`lpr-broker/${encodeURIComponent(id)}/capabilities`)
    .done((res: { state: string; capabilities: Record<string, unknown> }) => {
      const c = res.capabilities;
      const yesNo = (v: unknown) => t(v === true ? 'lpr-broker.capabilityBox.yes' : v === false ? 'lpr-broker.capabilityBox.no' : 'lpr-broker.capabilityBox.unknown');
      const rows: Array<[string, string]> = [
        ['protocol', c.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1'],
        ['source', t(`lpr-broker.capabilityBox.from.${String(c.source)}`)],
        ['sharedSubscriptions', yesNo(c.sharedSubscriptions)],
        ['retain', yesNo(c.retain)],
        ['retainedWildcards', yesNo(c.retainedWildcards)],
        ['dotsInTopicLevels', yesNo(c.dotsInTopicLevels)],
        ['maximumQoS', c.maximumQoS === null ? yesNo(null) : String(c.maximumQoS)],
        ['receiveMaximum', c.receiveMaximum === null ? yesNo(null) : String(c.receiveMaximum)],
        ['maximumPacketSize', c.maximumPacketSize === null ? t('lpr-broker.capabilityBox.noLimit') : String(c.maximumPacketSize)],
      ];
      box.empty().append(
        $('<div>').text(t('lpr-broker.capabilityBox.title', { state: res.state })),
        $('<ul>').append(rows.map(([k, v]) => $('<li>').text(`${t(`lpr-broker.capabilityBox.${k}`)}: ${v}`))),
      );
    })
    .fail(() => box.text(t('lpr-broker.capabilityBox.notDeployed')));
}

RED.nodes.registerType('lpr-broker', {
  category: 'config',
  defaults: {
    name: { value: '' },
    broker: { value: 'localhost', required: true, label: 'Broker', validate: validateBroker },
    port: {
      value: 1883,
      label: 'Port',
      validate: function (this: any, value: any, opt?: { label?: string }) {
        // A URL that names its own port (or a ws/wss URL) makes the port field irrelevant.
        if (brokerUrlPort(currentValue(this, 'broker', PREFIX)) !== null) return true;
        if (isBrokerUrl(currentValue(this, 'broker', PREFIX)) && String(value ?? '').trim() === '') return true;
        const problem = portProblem(value, translatorOf(this));
        return problem === null ? true : `${opt && opt.label ? opt.label + ': ' : ''}${problem}`;
      },
    },
    protocolVersion: {
      value: 4,
      label: 'MQTT version',
      validate: function (this: any, value: any, opt?: { label?: string }) {
        if (String(value) === '4' || String(value) === '5') return true;
        return `${opt && opt.label ? opt.label + ': ' : ''}${translatorOf(this)('lpr-broker.validate.protocolVersion')}`;
      },
    },
    clientId: { value: '', label: 'Client id', validate: validateClientId },
    cleanSession: { value: false },
    sessionExpiry: { value: 86400, label: 'Session expiry', validate: numberValidator({ min: 0, max: 4294967295, unit: 's' }) },
    keepalive: { value: 60, label: 'Keep alive', validate: numberValidator({ min: 0, max: 65535, unit: 's' }) },
    reconnectPeriod: {
      value: 5,
      label: 'Reconnect after',
      validate: numberValidator({ min: 0.1, max: 3600, integer: false, unit: 's' }),
    },
    connectTimeout: {
      value: 30,
      label: 'Connect timeout',
      validate: numberValidator({ min: 1, max: 600, integer: false, unit: 's' }),
    },
    topicRoot: { value: 'lprserver', required: true, label: 'Topic root', validate: validateTopicRoot },
    usetls: { value: false },
    tls: {
      value: '',
      type: 'tls-config',
      label: 'TLS configuration',
      // Required only when "Use TLS" is ticked. Having `validate` also stops the editor from
      // insisting on a tls-config node when TLS is off.
      validate: function (this: any, value: any, opt?: { label?: string }) {
        if (!isTrue(currentValue(this, 'usetls', PREFIX))) return true;
        const t = translatorOf(this);
        const label = opt && opt.label ? opt.label + ': ' : '';
        if (!value || value === '_ADD_') return label + t('lpr-broker.validate.tlsChoose');
        const config = RED.nodes.node(value);
        if (!config) return label + t('lpr-broker.validate.tlsMissing');
        return config.valid === false ? label + t('lpr-broker.validate.tlsInvalid') : true;
      },
    },
    birth: { value: true },
    selfTest: { value: true },
    queueLimit: { value: 10000, label: 'Offline queue', validate: numberValidator({ min: 0, max: 10000000, unit: 'messages' }) },
    timeZone: { value: '', label: 'Time zone', validate: validateTimeZone },
    era: { value: '', label: 'Dates', validate: validateEra },
  },
  credentials: {
    user: { type: 'text' },
    password: { type: 'password' },
  },
  // Also the edit dialog's title ("Edit LPR broker node") instead of the raw type name.
  paletteLabel: function (this: any) {
    return translatorOf(this)('lpr-broker.paletteLabel');
  },
  label: function (this: any) {
    return brokerLabel(this.name, this.broker, this.port);
  },
  oneditprepare: function (this: any) {
    const t = translatorOf(this);
    const usetls = $('#node-config-input-usetls');
    const port = $('#node-config-input-port');
    const broker = $('#node-config-input-broker');
    const version = $('#node-config-input-protocolVersion');
    const clean = $('#node-config-input-cleanSession');

    // Older or hand-written flows may hold numbers/booleans as strings.
    version.val(String(this.protocolVersion ?? 4) === '5' ? '5' : '4');
    // A flow saved before the property existed reads zone-less times in UTC, as it did. A new
    // broker has an empty zone: the zone Node-RED runs in (the placeholder says so).
    if (this.timeZone === undefined) $('#node-config-input-timeZone').val('UTC');
    if (this.era === undefined) $('#node-config-input-era').val('');
    // Flows saved before the self-test existed run it (the runtime's default too).
    if (this.selfTest === undefined) $('#node-config-input-selfTest').prop('checked', true);
    // Offer the zones this browser knows (the runtime checks the name with Node's own list).
    const zones = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    $('#lpr-broker-time-zones').empty().append(['UTC', ...zones.filter((z) => z !== 'UTC')].map((z) => $('<option>').attr('value', z)));

    const showTls = () => {
      $('#node-config-row-tls').toggle(usetls.is(':checked'));
    };
    const showVersion = () => {
      $('.lpr-broker-mqtt5').toggle(version.val() === '5');
    };
    const showSession = () => {
      $('#lpr-broker-session-hint').text(t(clean.is(':checked') ? 'lpr-broker.hint.cleanSession' : 'lpr-broker.hint.persistentSession'));
    };
    const showPort = () => {
      const value = broker.val();
      const url = parseBrokerUrl(value);
      const urlPort = brokerUrlPort(value);
      port.prop('disabled', urlPort !== null);
      let hint = '';
      if (urlPort !== null) hint = t('lpr-broker.hint.portFromUrl', { port: urlPort });
      else if (url) hint = t('lpr-broker.hint.portFromField', { port: String(port.val() || t('lpr-broker.hint.portEmpty')) });
      if (url && (url.scheme === 'mqtts' || url.scheme === 'wss') && !usetls.is(':checked')) {
        hint += (hint ? ' ' : '') + t('lpr-broker.hint.tlsScheme', { scheme: url.scheme });
      }
      $('#lpr-broker-port-hint').text(hint).toggle(hint !== '');
      $('#lpr-broker-credentials-hint').toggle(brokerHasCredentials(value));
    };

    usetls.on('change', () => {
      // Follow the usual ports when the user switches TLS on or off (as the core MQTT node does).
      if (!isBrokerUrl(broker.val())) {
        if (usetls.is(':checked') && String(port.val()) === '1883') port.val('8883');
        else if (!usetls.is(':checked') && String(port.val()) === '8883') port.val('1883');
      }
      showTls();
      showPort();
      $('#node-config-input-tls').trigger('change');
    });
    version.on('change', showVersion);
    clean.on('change', showSession);
    broker.on('change keyup paste', () => {
      showPort();
      port.trigger('change');
    });
    port.on('change keyup', showPort);

    showTls();
    showVersion();
    showSession();
    showPort();
    showCapabilities(this.id, t);
  },
  oneditsave: function (this: any) {
    // TLS off: drop the tls-config reference so the runtime never uses stale certificates.
    if (!$('#node-config-input-usetls').is(':checked')) $('#node-config-input-tls').val('_ADD_');
    // A disabled input still saves its value; keep whatever the user had.
    $('#node-config-input-port').prop('disabled', false);
  },
});
