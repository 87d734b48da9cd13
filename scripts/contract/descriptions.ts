/** The prose the generated contract files carry beside what the zod schemas and POLICY give. */

/** One line per topic (keyed by its pattern, so that it does not depend on POLICY's kind names), for the AsyncAPI channels. */
export const TOPIC_SUMMARY: Record<string, string> = {
  '{root}/cameras/{camera_id}/detection':
    'A detection: plates and vehicles seen in one frame. The camera keeps it until an Ack with its message_id arrives, and resends it with the same message_id until then.',
  '{root}/cameras/{camera_id}/detection/ack':
    'The answer to each copy of a detection: received or rejected end its delivery; retry (with retry_after_ms) means not taken, send the same detection again no sooner than that.',
  '{root}/cameras/{camera_id}/health': "The camera's health; also its MQTT will (health_status offline). An empty retained message means the camera is retired.",
  '{root}/cameras/{camera_id}/health/request': 'Asks the camera to publish its health now.',
  '{root}/cameras/{camera_id}/config': 'The config the camera runs (reported).',
  '{root}/cameras/{camera_id}/config/update': 'The config the server wants the camera to run (desired).',
  '{root}/cameras/{camera_id}/config/request': 'The camera asks for its desired config (optionally one config_type); the server republishes it on config/update.',
  '{root}/cameras/{camera_id}/control': 'A command to the camera; request_id of the response is its message_id.',
  '{root}/cameras/{camera_id}/control/response': 'The answer to a control: accepted is interim, then success, error or rejected.',
  '{root}/checkpoints/{checkpoint_id}/status': "A checkpoint's cameras online, offline and total.",
  '{root}/checkpoints/{checkpoint_id}/analytics': "A checkpoint's counts over one time window.",
  '{root}/blacklist/updates': 'Adds, removes or replaces watch-list entries (with revisions), or a snapshot chunk; a camera that keeps its own list applies them.',
  '{root}/blacklist/notifications': 'A detected plate matched the watch list.',
  '{root}/blacklist/request': 'A camera (or a rejoining server) asks for the whole watch list, or for missing chunks of a snapshot; the server answers with a snapshot on the requester\'s own topic.',
  '{root}/cameras/{camera_id}/blacklist': 'The answer to one camera\'s blacklist request: a snapshot (BlacklistUpdate chunks) for that camera only.',
  '{root}/cameras/{camera_id}/blacklist/notification':
    "A notification the camera raised itself from its own copy of the watch list (raised_by edge), sent before its detection; the server checks it and forwards it once to blacklist/notifications.",
  '{root}/system/status': "Birth (online) and will (offline) of a server's MQTT connection.",
  '{root}/system/health': 'Health of the whole system: cameras per state.',
  '{root}/system/alerts': 'An alert: a camera offline, a rate limit reached, a failure.',
  '{root}/system/logs': 'A log line.',
  '{root}/system/monitoring': 'A metrics snapshot of lpr-system-monitor.',
  '{root}/system/control': 'A command to the server (a Control without camera_id).',
};

/** What a message's JSON Schema file says beyond its topics. */
export const SCHEMA_NOTES: Record<string, string> = {
  Detection: 'The camera resends it, same message_id, until acked; the server acks every copy and passes it on once.',
  Ack:
    'ack_id is the detection\'s message_id. received and rejected end the delivery; retry means not taken: resend the same detection no sooner than retry_after_ms (required with retry). ' +
    'A camera that does not know retry must treat any status other than received and rejected as not acknowledged.',
  Config: 'A detection_settings config has its config_data typed field by field; any other config_type carries any object.',
  EdgeBlacklistNotification: 'A BlacklistNotification the camera raised itself from its own copy of the watch list: raised_by "edge" is required.',
  SystemStatus: 'message_id is optional here: a will is fixed when the connection is made.',
  MonitoringSnapshot: 'Beyond message_id and timestamp its fields belong to lpr-system-monitor.',
};
