/** Valid example messages built from PROTOCOL.md "Messages the seed leaves open", one per kind. */
import type { MessageKind } from '../../src/protocol';
import { seedConfig, seedControl, seedDetection, seedHealth } from '../fixtures/samples';

const ID = '6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
const TS = '2024-01-15T10:30:00Z';

export function exampleOf(kind: MessageKind): Record<string, any> {
  switch (kind) {
    case 'detection':
      return seedDetection();
    case 'health':
      return seedHealth();
    case 'config':
    case 'configUpdate':
      return seedConfig();
    case 'control':
      return seedControl();
    case 'detectionAck':
      return { message_id: ID, timestamp: TS, camera_id: 'CAM001', ack_id: 'uuid-string', status: 'received' };
    case 'healthRequest':
    case 'configRequest':
      return { message_id: ID, timestamp: TS, camera_id: 'CAM001' };
    case 'blacklistRequest':
      return { message_id: ID, timestamp: TS, camera_id: 'CAM001' };
    case 'controlResponse':
      return {
        message_id: ID,
        timestamp: TS,
        camera_id: 'CAM001',
        request_id: 'uuid-string',
        status: 'success',
        result: { restarted: true },
      };
    case 'blacklistAnswer':
      return { message_id: ID, timestamp: TS, action: 'replace', entries: [{ plate_number: 'ABC1234', priority: 'high' }] };
    case 'blacklistUpdates':
      return {
        message_id: ID,
        timestamp: TS,
        action: 'add',
        entries: [
          {
            plate_number: 'ABC1234',
            province: 'Bangkok',
            country: 'TH',
            reason: 'stolen',
            priority: 'high',
            list: 'police',
            expires_at: '2025-01-01T00:00:00Z',
          },
          { plate_number: 'AB*12?4' },
        ],
      };
    case 'blacklistEdgeNotification':
      return { ...exampleOf('blacklistNotifications'), raised_by: 'edge' };
    case 'blacklistNotifications':
      return {
        message_id: ID,
        timestamp: TS,
        camera_id: 'CAM001',
        checkpoint_id: 'CP001',
        plate_number: 'ABC1234',
        province: 'Bangkok',
        detection_message_id: 'uuid-string',
        entry: { plate_number: 'ABC1234', priority: 'critical' },
        match: { type: 'exact', distance: 0, province_match: true },
        image_path: '/storage/images/CAM001_20240115_103000.jpg',
      };
    case 'checkpointStatus':
      return {
        message_id: ID,
        timestamp: TS,
        checkpoint_id: 'CP001',
        cameras: { online: 3, offline: 1, total: 4 },
        last_detection: '2024-01-15T10:29:45Z',
      };
    case 'checkpointAnalytics':
      return {
        message_id: ID,
        timestamp: TS,
        checkpoint_id: 'CP001',
        window_start: '2024-01-15T10:00:00Z',
        window_end: '2024-01-15T10:05:00Z',
        detections: 120,
        plates: 118,
        unique_plates: 97,
        avg_confidence: 0.91,
        avg_processing_time_ms: 142.5,
        blacklist_hits: 2,
      };
    case 'systemStatus':
      return { status: 'online', timestamp: TS };
    case 'systemHealth':
      return {
        message_id: ID,
        timestamp: TS,
        status: 'degraded',
        cameras: { healthy: 8, warning: 1, critical: 0, offline: 1, total: 10 },
      };
    case 'systemAlerts':
      return {
        message_id: ID,
        timestamp: TS,
        level: 'warning',
        source: 'lpr-health-monitor',
        camera_id: 'CAM001',
        message: 'CAM001 went offline',
        details: { last_seen: '2024-01-15T10:25:00Z' },
      };
    case 'systemLogs':
      return { message_id: ID, timestamp: TS, level: 'info', source: 'lpr-broker', message: 'connected' };
    case 'systemMonitoring':
      return { message_id: ID, timestamp: TS, messages_in: 10, messages_out: 4 };
    case 'systemControl': {
      const { camera_id: _omitted, ...rest } = seedControl();
      return rest;
    }
  }
}
