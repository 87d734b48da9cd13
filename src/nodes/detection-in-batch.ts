/**
 * The batch output of `lpr-detection-in` (docs/nodes.md "Batches"): the messages one detection would
 * have been sent as become entries of one message per batch, `{ topic, payload: [...], lpr: { type:
 * 'batch', count, items: [...] } }`. Each detection is acked on its own, once the batch message has
 * been handed over (HandoverQueue) or, with ackWhen "complete", once the scope has finished it
 * (CompletionTracker: one `_msgid`, many detections).
 */
import { randomBytes } from 'node:crypto';
import type { Ack } from '../protocol';
import type { CompletionTracker } from '../runtime/completion-tracker';
import { Batcher, type BatchSettings } from '../runtime/detection-batch';
import { dedupeKey, type DetectionMsg, type DetectionMsgMeta } from '../runtime/detection-intake';
import type { Delivered, HandoverQueue } from '../runtime/handover-queue';
import type { NodeMessage } from './shared/red';

/** `msg.lpr.items[i]`: what the i-th single message's `msg.lpr` was, with its topic (and, split, its detection). */
export type BatchItem = DetectionMsgMeta & { topic: string; detection?: unknown };

interface Pending {
  ack: Ack | null;
  delivered: Delivered;
  at: number;
}

export interface BatchOutput {
  /** Takes a detection's output messages (none: acked on hand-over, as without batches). */
  add(msgs: readonly DetectionMsg[], ack: Ack | null, delivered: Delivered, at: number): void;
  /** Whether the detection waits in the open batch (a resend is then answered with it). */
  has(cameraId: string, messageId: string): boolean;
  /** Dedupe keys of the detections in the open batch (never journalled before they are sent). */
  keys(): Iterable<string>;
  /** Batch messages sent so far. */
  readonly sent: number;
  /** Stops; returns the detections of the open batch, never sent (not acked: their cameras resend). */
  close(): Delivered[];
}

export function batchOutput(options: {
  settings: BatchSettings;
  /** `msg.topic` of a batch: the node's subscription filter without a shared-group prefix. */
  topic: string;
  send(msg: NodeMessage): void;
  handover: HandoverQueue<Ack>;
  tracker: CompletionTracker<Ack> | null;
}): BatchOutput {
  const { topic, send, handover, tracker } = options;
  let sent = 0;
  // The entries are the messages a detection would have been sent as, taken apart only here.
  const batcher = new Batcher<DetectionMsg, Pending>(options.settings.batch, options.settings.batchWindowMs, ({ entries, tags }) => {
    const payload: unknown[] = new Array(entries.length);
    const items: BatchItem[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const m = entries[i]!;
      const item = m.lpr as BatchItem;
      item.topic = m.topic;
      if (m.detection) item.detection = m.detection;
      payload[i] = m.payload;
      items[i] = item;
    }
    const msg = { topic, payload, lpr: { type: 'batch', count: entries.length, items } } as unknown as NodeMessage;
    sent++;
    if (tracker) {
      // Our own _msgid, known before the send: the hook reports the batch's completion by it.
      tracker.trackBatch((msg._msgid = randomBytes(8).toString('hex')), tags);
      send(msg);
    } else {
      send(msg);
      for (const tag of tags) handover.add(tag.ack, tag.delivered, tag.at);
    }
  });
  return {
    add(msgs, ack, delivered, at) {
      if (msgs.length === 0) {
        handover.add(ack, delivered, at);
        return;
      }
      batcher.add(dedupeKey(delivered.cameraId, delivered.messageId), msgs, { ack, delivered, at });
    },
    has: (cameraId, messageId) => batcher.has(dedupeKey(cameraId, messageId)),
    keys: () => batcher.keys(),
    get sent() {
      return sent;
    },
    close: () => batcher.close().map((tag) => tag.delivered),
  };
}
