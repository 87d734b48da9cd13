// A few pretend cameras for the demo: seed-format detections and retained health on the LPR topic
// tree. (The full simulator, with acks and fault injection, is the package's `lpr-sim`.)
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';

const LATIN = ['ABC1234', 'XYZ987', 'KLM4521', 'BKK1001', 'QRS5555'];
const THAI = ['กข1234', '1กค5678', 'ขง 9', 'ฉช4321', 'ตท123'];
const PROVINCES = ['Bangkok', 'Chiang Mai', 'Phuket', 'Khon Kaen', 'Chon Buri'];
const pick = (list) => list[Math.floor(Math.random() * list.length)];

function detection(cameraId, checkpointId) {
  const plate = Math.random() < 0.5 ? pick(LATIN) : pick(THAI);
  const confidence = Math.round((0.8 + Math.random() * 0.19) * 100) / 100;
  return {
    message_id: randomUUID(),
    timestamp: new Date().toISOString(),
    camera_id: cameraId,
    checkpoint_id: checkpointId,
    detection_data: {
      vehicles_count: 1,
      plates_count: 1,
      processing_time_ms: 80 + Math.floor(Math.random() * 120),
      confidence_score: confidence,
      detection_type: 'lpr',
      vehicles: [{ vehicle_index: 0, bbox: [100, 100, 200, 200], confidence, vehicle_class: 'car', color: pick(['white', 'black', 'red', 'silver']) }],
      plates: [{ plate_index: 0, plate_number: plate, bbox: [150, 120, 180, 140], confidence, country: 'TH', province: pick(PROVINCES), is_valid: true }],
    },
    metadata: { image_path: `/storage/images/${cameraId}_${Date.now()}.jpg`, weather: 'clear', lighting: 'daylight' },
  };
}

function health(cameraId, status = 'healthy') {
  return {
    message_id: randomUUID(),
    timestamp: new Date().toISOString(),
    camera_id: cameraId,
    health_status: status,
    health_details: {
      cpu_usage: Math.round(20 + Math.random() * 50),
      memory_usage: Math.round(40 + Math.random() * 30),
      disk_usage: 23.1,
      network_status: 'connected',
      camera_status: 'active',
      uptime_seconds: Math.round(process.uptime()),
      temperature: Math.round(35 + Math.random() * 15),
    },
    alerts: [],
  };
}

/** Starts `count` cameras; returns a function that stops them. */
export function startDemoCameras(url, { root = 'lprserver', count = 3, detectionMs = 3000, healthMs = 15000, invalidEvery = 20 } = {}) {
  const cameras = [];
  for (let i = 1; i <= count; i++) {
    const id = `CAM${String(i).padStart(3, '0')}`;
    const base = `${root}/cameras/${id}`;
    const will = { topic: `${base}/health`, payload: JSON.stringify(health(id, 'offline')), qos: 0, retain: true };
    const client = mqtt.connect(url, { clientId: `lpr-demo-${id}`, will, reconnectPeriod: 2000 });
    let sent = 0;
    const detect = setInterval(() => {
      sent++;
      // Now and then a broken message, so the Catch branch of the demo has something to show.
      const body = invalidEvery > 0 && sent % invalidEvery === 0 ? { ...detection(id, 'CP001'), detection_data: { plates: 'none' } } : detection(id, 'CP001');
      client.publish(`${base}/detection`, JSON.stringify(body), { qos: 1 });
    }, detectionMs + i * 250);
    const beat = () => client.publish(`${base}/health`, JSON.stringify(health(id)), { qos: 0, retain: true });
    client.on('connect', beat);
    const heart = setInterval(beat, healthMs);
    cameras.push({ client, timers: [detect, heart] });
  }
  return () =>
    Promise.all(
      cameras.map(({ client, timers }) => {
        timers.forEach(clearInterval);
        return new Promise((resolve) => client.end(false, {}, resolve));
      }),
    );
}
