/**
 * Suppression of repeated blacklist alerts. A car standing in front of a camera is read on every
 * frame; one alert per window is enough. Per camera (the default), the same car seen by another
 * camera still raises its own alert, so a wanted vehicle can be followed through a site; per site
 * (the behaviour before the choice existed), one alert per window for the whole site.
 */
import type { MatchResult } from '../blacklist/index';
import { DedupeWindow } from './dedupe';

export const SUPPRESS_PER = ['camera', 'site'] as const;
export type SuppressPer = (typeof SUPPRESS_PER)[number];
/** What a flow saved before `suppressPer` existed gets (the issue: the camera is in the key by default). */
export const DEFAULT_SUPPRESS_PER: SuppressPer = 'camera';

/** Keys remembered at most (oldest forgotten first): bounds memory under a flood of distinct plates. */
const MAX_KEYS = 100_000;

export class AlertSuppression {
  private readonly recent: DedupeWindow | null;

  constructor(windowMs: number, private readonly per: SuppressPer) {
    this.recent = windowMs > 0 ? new DedupeWindow(windowMs, MAX_KEYS) : null;
  }

  /** True when this alert repeats one raised within the window (and so is not raised); else records it. */
  isRepeat(cameraId: string, readKey: string, match: Pick<MatchResult, 'key' | 'entry'>, now: number): boolean {
    if (!this.recent) return false;
    // A camera id is an identifier (no '|'), so prefixing it keeps keys of different cameras apart.
    const entry = `${readKey}|${match.key}|${match.entry.province ?? ''}|${match.entry.list ?? ''}`;
    return this.recent.check(this.per === 'camera' ? `${cameraId}|${entry}` : entry, now);
  }
}
