/**
 * Config (seed "Configuration Message Format"): reported on `config`, desired on `config/update`.
 * `detection_settings` is fully typed; other `config_type`s carry any object.
 */
import { z } from 'zod';
import { Envelope, Identifier, Score } from './common';

export const DetectionSettings = z
  .object({
    detection_interval: z.number().int().min(1).max(3_600_000),
    confidence_threshold: Score,
    max_vehicles_per_frame: z.number().int().min(1).max(256),
    image_quality: z.enum(['low', 'medium', 'high']),
    enable_recording: z.boolean(),
    recording_duration: z.number().int().min(0).max(86_400),
    alert_settings: z
      .object({
        enable_alerts: z.boolean(),
        alert_confidence_threshold: Score,
        notification_channels: z.array(z.string().min(1).max(64)).max(16),
      })
      .loose()
      .optional(),
  })
  .loose();

const ConfigBase = {
  ...Envelope,
  camera_id: Identifier,
  config_type: z.string().min(1).max(64),
  config_data: z.record(z.string(), z.unknown()),
};

export const DetectionSettingsConfig = z
  .object({ ...ConfigBase, config_type: z.literal('detection_settings'), config_data: DetectionSettings })
  .loose();

/**
 * Any config; a `detection_settings` one must also satisfy DetectionSettings. (A zod
 * discriminated union needs literal keys on every branch, and an open `config_type` has none.)
 */
export const Config = z
  .object(ConfigBase)
  .loose()
  .superRefine((config, ctx) => {
    if (config.config_type !== 'detection_settings') return;
    const result = DetectionSettings.safeParse(config.config_data);
    if (result.success) return;
    for (const issue of result.error.issues) {
      ctx.addIssue({ ...issue, path: ['config_data', ...issue.path] } as Parameters<typeof ctx.addIssue>[0]);
    }
  });

export type DetectionSettings = z.infer<typeof DetectionSettings>;
export type DetectionSettingsConfig = z.infer<typeof DetectionSettingsConfig>;
export type Config = z.infer<typeof Config>;
