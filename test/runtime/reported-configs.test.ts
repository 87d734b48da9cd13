/** ReportedConfigs (issue 14, item 5): the reported-config table of lpr-camera-config is bounded. */
import assert from 'node:assert/strict';
import { readCameraConfigSettings } from '../../src/control/settings';
import { ReportedConfigs } from '../../src/control/reported';
import { ConfigError } from '../../src/runtime/settings';

describe('ReportedConfigs', () => {
  it('keeps at most maxCameras cameras, forgetting the one that reported least recently', () => {
    const forgotten: string[] = [];
    const t = new ReportedConfigs<number>({ maxCameras: 1000, onEvict: (camera) => forgotten.push(camera) });
    for (let i = 0; i < 50_000; i++) {
      assert.equal(t.set(`C${i}`, 'detection_settings', i), true);
      if (i % 100 === 0) t.set('C0', 'detection_settings', i);
      assert.ok(t.size <= 1000);
    }
    assert.equal(t.size, 1000);
    assert.equal(t.evicted, 49_000);
    assert.equal(forgotten[0], 'C1');
    assert.equal(t.get('C0')?.get('detection_settings'), 49_900);
    assert.equal(t.get('C1'), undefined);
  });

  it('keeps at most maxTypes config types per camera; further types are refused and counted', () => {
    const t = new ReportedConfigs<number>({ maxCameras: 10, maxTypes: 3 });
    for (let i = 0; i < 1000; i++) t.set('CAM1', `type${i}`, i);
    assert.deepEqual([...t.get('CAM1')!.keys()], ['type0', 'type1', 'type2']);
    assert.equal(t.refused, 997);
    assert.equal(t.set('CAM1', 'type1', 5), true, 'a known type is updated');
    t.delete('CAM1');
    assert.equal(t.size, 0);
  });

  it('maxCameras is a setting of lpr-camera-config, default 10,000', () => {
    assert.equal(readCameraConfigSettings({}, 'n1', null).maxCameras, 10_000);
    assert.equal(readCameraConfigSettings({ maxCameras: 20 }, 'n1', null).maxCameras, 20);
    assert.throws(() => readCameraConfigSettings({ maxCameras: -1 }, 'n1', null), ConfigError);
  });
});
