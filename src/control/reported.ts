/**
 * The configs cameras reported, by camera then config_type, for `lpr-camera-config` (pure). Bounded,
 * since any camera id and any config_type can arrive from the broker: at most `maxCameras` cameras
 * (a new camera past it forgets the camera that reported least recently; `evicted` counts them)
 * and at most `maxTypes` config types per camera (a further type is refused; `refused` counts them).
 * A Map keeps the cameras in order of their last report, so eviction is O(1).
 */
export const DEFAULT_MAX_REPORTED_CAMERAS = 10_000;
export const MAX_REPORTED_TYPES = 64;

export interface ReportedOptions {
  maxCameras?: number;
  maxTypes?: number;
  onEvict?: (camera: string) => void;
}

export class ReportedConfigs<V> {
  private readonly byCamera = new Map<string, Map<string, V>>();
  readonly maxCameras: number;
  readonly maxTypes: number;
  private readonly onEvict: ((camera: string) => void) | undefined;
  evicted = 0;
  refused = 0;

  constructor(options: ReportedOptions = {}) {
    this.maxCameras = options.maxCameras ?? DEFAULT_MAX_REPORTED_CAMERAS;
    this.maxTypes = options.maxTypes ?? MAX_REPORTED_TYPES;
    this.onEvict = options.onEvict;
  }

  /** Cameras held. */
  get size(): number {
    return this.byCamera.size;
  }

  get(camera: string): ReadonlyMap<string, V> | undefined {
    return this.byCamera.get(camera);
  }

  cameras(): IterableIterator<string> {
    return this.byCamera.keys();
  }

  values(): IterableIterator<ReadonlyMap<string, V>> {
    return this.byCamera.values();
  }

  /** Records a camera's report of `type`; false when refused (the camera has maxTypes other types). */
  set(camera: string, type: string, value: V): boolean {
    let types = this.byCamera.get(camera);
    if (types && !types.has(type) && types.size >= this.maxTypes) {
      this.refused++;
      return false;
    }
    if (types) this.byCamera.delete(camera);
    else {
      if (this.byCamera.size >= this.maxCameras) {
        const oldest = this.byCamera.keys().next().value!;
        this.byCamera.delete(oldest);
        this.evicted++;
        this.onEvict?.(oldest);
      }
      types = new Map();
    }
    this.byCamera.set(camera, types);
    types.set(type, value);
    return true;
  }

  delete(camera: string): boolean {
    return this.byCamera.delete(camera);
  }
}
