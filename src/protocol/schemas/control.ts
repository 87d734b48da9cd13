/** Control (seed), server -> camera, QoS 2; ControlResponse (PROTOCOL.md), camera -> server, QoS 2. */
import { z } from 'zod';
import { Envelope, Identifier, MessageId, Priority } from './common';

export const Command = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"');

export const Control = z
  .object({
    ...Envelope,
    camera_id: Identifier,
    command: Command,
    parameters: z.record(z.string(), z.unknown()).optional(),
    priority: Priority.optional(),
  })
  .loose();

/** `{root}/system/control`: a Control without `camera_id`. */
export const SystemControl = z
  .object({
    ...Envelope,
    command: Command,
    parameters: z.record(z.string(), z.unknown()).optional(),
    priority: Priority.optional(),
  })
  .loose();

export const ControlResponse = z
  .object({
    ...Envelope,
    camera_id: Identifier,
    request_id: MessageId,
    status: z.enum(['accepted', 'success', 'error', 'rejected']),
    result: z.unknown().optional(),
    error: z.string().max(4096).optional(),
  })
  .loose();

export type Control = z.infer<typeof Control>;
export type SystemControl = z.infer<typeof SystemControl>;
export type ControlResponse = z.infer<typeof ControlResponse>;
