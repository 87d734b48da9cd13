/**
 * A Node-RED runtime whose language is Thai (LANG=th_TH.UTF-8, as on a Thai server) logs the
 * errors and warnings of helper A's nodes in Thai, from the built catalogs (dist/locales/th); in
 * English otherwise. The nodes are deployed with faults that make them say something at start.
 */
import assert from 'node:assert/strict';
import { startNodeRed, type FlowNode, type NodeRedHost } from '../fixtures/node-red-host';

const FLOW: FlowNode[] = [
  { id: 'tab1', type: 'tab', label: 'faults' },
  // No broker selected: every node that needs one says so.
  { id: 'hm', type: 'lpr-health-monitor', z: 'tab1', name: '', broker: '', camera: '', wires: [[], []] },
  { id: 'cp', type: 'lpr-checkpoint-analytics', z: 'tab1', name: '', broker: '', wires: [[]] },
  // A list that is not deployed.
  { id: 'bu', type: 'lpr-blacklist-update', z: 'tab1', name: '', list: 'nope', action: '', publish: true, wires: [[]] },
];

async function logOf(lang: string): Promise<string> {
  let red: NodeRedHost | undefined;
  try {
    red = await startNodeRed({ env: { LC_ALL: lang, LC_MESSAGES: lang, LANG: lang } });
    return await red.deploy(FLOW);
  } finally {
    await red?.stop();
  }
}

describe('runtime texts in the runtime language (helper A nodes)', function () {
  this.timeout(90_000);

  it('Thai runtime: the nodes say why they cannot start in Thai', async () => {
    const log = await logOf('th_TH.UTF-8');
    assert.match(log, /broker: ยังไม่ได้เลือก lpr-broker/);
    assert.match(log, /list: lpr-blacklist nope ยังไม่ได้ deploy/);
  });

  it('English runtime: the same in English, as before', async () => {
    const log = await logOf('en_US.UTF-8');
    assert.match(log, /broker: no lpr-broker is selected/);
    assert.match(log, /list: lpr-blacklist nope is not deployed/);
  });
});
