/**
 * When `lpr-detection-in` acks a detection (`ackWhen`): once Node-RED has handed its output to the
 * next node (`handover`, the default, and what flows saved before the setting existed get), or
 * once the nodes in `ackScope` have finished it (`complete`, see CompletionTracker), giving up
 * after `ackTimeout` seconds.
 */
import { ConfigError, readNumber, readString } from './settings';

export type AckWhen = 'handover' | 'complete';

export interface AckSettings {
  ackWhen: AckWhen;
  /** Node ids whose completion counts; empty = the nodes wired to the output. */
  ackScope: string[];
  ackTimeoutMs: number;
}

export const DEFAULT_ACK_TIMEOUT_S = 30;
/** Detections waiting for their flow at most; one more gives up the oldest (its camera resends it). */
export const ACK_MAX_PENDING = 100_000;

const MAX_SCOPE = 1000;

export function readAckSettings(props: Record<string, unknown>): AckSettings {
  const when = readString(props, 'ackWhen', 'handover') || 'handover';
  if (when !== 'handover' && when !== 'complete') throw new ConfigError('ackWhen', `must be "handover" or "complete", got ${JSON.stringify(when.slice(0, 40))}`);
  const raw = props.ackScope;
  let scope: string[] = [];
  if (raw !== undefined && raw !== null && raw !== '') {
    if (!Array.isArray(raw)) throw new ConfigError('ackScope', `must be a list of node ids, got ${typeof raw}`);
    if (raw.length > MAX_SCOPE) throw new ConfigError('ackScope', `must list at most ${MAX_SCOPE} nodes, got ${raw.length}`);
    scope = raw.map((id, i) => {
      if (typeof id !== 'string' || id.trim() === '' || id.length > 256) throw new ConfigError(`ackScope[${i}]`, 'must be a node id (text, 1-256 characters)');
      return id.trim();
    });
  }
  return {
    ackWhen: when,
    ackScope: [...new Set(scope)],
    ackTimeoutMs: readNumber(props, 'ackTimeout', DEFAULT_ACK_TIMEOUT_S, { min: 0.1, max: 86_400 }) * 1000,
  };
}
