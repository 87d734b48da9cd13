/**
 * The JSON message examples of the README and docs/**.md: every ```json block whose value is an
 * object with a `timestamp` or `message_id`, with the schema it shows, from a marker comment on
 * the line before the fence (`<!-- schema: Request -->`, or `<!-- schema: none -->` for a block
 * that shows a wrong message on purpose) or else from its distinctive fields.
 * A string value "…" in an example stands for any valid value of its field.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface DocExample {
  where: string;
  schema: string | null;
  message: Record<string, unknown>;
}

const TIME_KEYS = /^(?:timestamp|last_detection|expires_at|window_start|window_end)$/;

function fillPlaceholders(value: unknown, key = ''): unknown {
  if (value === '…') return TIME_KEYS.test(key) ? '2024-01-15T10:30:00Z' : key.endsWith('camera_id') ? 'CAM001' : 'x';
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, k)]));
  }
  return value;
}

/** The schema a message example shows, from its fields; null when they do not say. */
export function guessSchema(m: Record<string, unknown>): string | null {
  const has = (k: string) => k in m;
  if (has('detection_data')) return 'Detection';
  if (has('ack_id')) return 'Ack';
  if (has('health_status')) return 'Health';
  if (has('config_data')) return 'Config';
  if (has('request_id')) return 'ControlResponse';
  if (has('command')) return has('camera_id') ? 'Control' : 'SystemControl';
  if (has('entries') && has('action')) return 'BlacklistUpdate';
  if (has('detection_message_id')) return 'BlacklistNotification';
  if (has('window_start')) return 'CheckpointAnalytics';
  if (has('cameras')) return has('checkpoint_id') ? 'CheckpointStatus' : 'SystemHealth';
  if (m.status === 'online' || m.status === 'offline') return 'SystemStatus';
  if (has('level') && has('source')) {
    if (m.level === 'warning' || m.level === 'critical' || has('details') || has('camera_id')) return 'Alert';
    if (m.level === 'debug' || m.level === 'warn' || m.level === 'error') return 'LogLine';
  }
  return null;
}

export function markdownFiles(repo: string): string[] {
  const out = [path.join(repo, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.md')) out.push(full);
    }
  };
  walk(path.join(repo, 'docs'));
  return out;
}

export function docExamples(repo: string): DocExample[] {
  const examples: DocExample[] = [];
  for (const file of markdownFiles(repo)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*```json\s*$/.test(lines[i]!)) continue;
      const start = i;
      let end = i + 1;
      while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
      i = end;
      const where = `${path.relative(repo, file)}:${start + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(lines.slice(start + 1, end).join('\n'));
      } catch (err) {
        throw new Error(`${where}: a json block that is not JSON (${(err as Error).message})`);
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
      if (!('timestamp' in value) && !('message_id' in value)) continue;
      const marker = /<!--\s*schema:\s*(\w+)\s*-->/.exec(lines[start - 1] ?? '');
      const message = fillPlaceholders(value) as Record<string, unknown>;
      const schema = marker ? (marker[1] === 'none' ? null : marker[1]!) : guessSchema(message);
      if (!marker && schema === null) throw new Error(`${where}: cannot tell which message this is; put <!-- schema: Name --> on the line before the fence`);
      examples.push({ where, schema, message });
    }
  }
  return examples;
}
