/** The generated contract files are current, and the AsyncAPI document is valid and says what POLICY says. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Parser } from '@asyncapi/parser';
import { MESSAGE_KINDS, POLICY } from '../../src/protocol';
import { PROTOCOL_MD, renderContract } from '../../scripts/contract/render';
import { topicPattern } from '../../scripts/contract/json-schemas';
import { REPO, SCHEMA_DIR } from './validators';

const read = (file: string) => fs.readFileSync(path.join(REPO, file), 'utf8');

describe('contract: generated files', function () {
  this.timeout(60_000);
  const version = (JSON.parse(read('package.json')) as { version: string }).version;

  it('regenerating in memory gives byte-identical files (else: npm run contract, and commit)', () => {
    const files = renderContract(version, read(PROTOCOL_MD));
    assert.ok(files.size >= MESSAGE_KINDS.length / 2);
    for (const [file, text] of files) {
      assert.ok(fs.existsSync(path.join(REPO, file)), `${file} is missing: run npm run contract`);
      assert.ok(read(file) === text, `${file} is stale: run npm run contract`);
    }
    for (const name of fs.readdirSync(SCHEMA_DIR)) {
      assert.ok(files.has(`docs/schemas/${name}`), `docs/schemas/${name} is not generated any more: run npm run contract`);
    }
  });

  it('@asyncapi/parser parses and validates docs/asyncapi.yaml with no error or warning', async () => {
    const { document, diagnostics } = await new Parser().parse(read('docs/asyncapi.yaml'));
    // Severity 0 = error, 1 = warning; 2/3 are hints (such as "AsyncAPI 3.1 exists").
    const serious = diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`);
    assert.deepEqual(serious, []);
    assert.ok(document, 'no document');
    assert.equal(document.version(), '3.0.0');
  });

  it('the document has a channel per topic of the tree, with its QoS and retain as MQTT bindings', async () => {
    const { document } = await new Parser().parse(read('docs/asyncapi.yaml'));
    assert.ok(document);
    // The JSON kinds of POLICY, and the image topic (a JPEG, beside POLICY).
    assert.equal(document.channels().length, MESSAGE_KINDS.length + 1);
    const image = document.channels().get('detectionImage');
    assert.equal(image?.address(), '{root}/cameras/{camera_id}/images/{message_id}');
    const imageOp = image?.operations().all()[0];
    const imageMqtt = imageOp?.bindings().get('mqtt')?.value() as { qos: number; retain: boolean } | undefined;
    assert.deepEqual({ qos: imageMqtt?.qos, retain: imageMqtt?.retain }, { qos: 1, retain: false });
    assert.equal(imageOp?.messages().all()[0]?.contentType(), 'image/jpeg');
    for (const kind of MESSAGE_KINDS) {
      const channel = document.channels().get(kind);
      assert.ok(channel, `channel ${kind}`);
      assert.equal(channel.address(), topicPattern(kind));
      const ops = channel.operations().all();
      assert.ok(ops.length >= 1, `${kind} has no operation`);
      for (const op of ops) {
        const mqtt = op.bindings().get('mqtt')?.value() as { qos: number; retain: boolean } | undefined;
        assert.deepEqual({ qos: mqtt?.qos, retain: mqtt?.retain }, { qos: POLICY[kind].qos, retain: POLICY[kind].retain }, `${kind} ${op.id()}`);
        assert.equal(op.messages().length, 1);
      }
    }
    // The detection is received and answered with an Ack: the delivery contract's reply.
    const receive = document.operations().get('receiveDetection');
    assert.equal(receive?.reply()?.channel()?.address(), topicPattern('detectionAck'));
  });
});
