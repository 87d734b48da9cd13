/**
 * Realistic simulated LPR data: a pool of Latin and Thai plates (with provinces), blacklisted
 * plates mixed in at a set ratio, vehicles with class, type, colour and make, confidences of
 * 0.7-0.99, and bounding boxes inside a 1920x1080 frame (`[x1, y1, x2, y2]`, the plate inside its
 * vehicle). Seed-format messages (../shared/seed/lpr-mqtt-guide.md); ids and timestamps are left
 * to the camera agent.
 */
import type { DetectionData, HealthAlert, HealthDetails, HealthStatus, Plate, Vehicle } from '../protocol';

/** A detection before the camera agent adds `message_id`, `timestamp` and `checkpoint_id`. */
export interface DetectionDraft {
  camera_id: string;
  detection_data: DetectionData;
  metadata: Record<string, unknown>;
}

/** A health message before the agent adds `message_id` and `timestamp`. */
export interface HealthDraft {
  camera_id: string;
  health_status: HealthStatus;
  health_details: HealthDetails;
  alerts: HealthAlert[];
}
import type { Random } from './random';

export const FRAME = { width: 1920, height: 1080 } as const;

/** A province: English name (Latin plates, the seed's style) and Thai name (as printed on Thai plates). */
export const SIM_PROVINCES: ReadonlyArray<{ en: string; th: string; weight: number }> = [
  { en: 'Bangkok', th: 'กรุงเทพมหานคร', weight: 30 },
  { en: 'Nonthaburi', th: 'นนทบุรี', weight: 8 },
  { en: 'Samut Prakan', th: 'สมุทรปราการ', weight: 8 },
  { en: 'Pathum Thani', th: 'ปทุมธานี', weight: 6 },
  { en: 'Chon Buri', th: 'ชลบุรี', weight: 7 },
  { en: 'Chiang Mai', th: 'เชียงใหม่', weight: 6 },
  { en: 'Nakhon Ratchasima', th: 'นครราชสีมา', weight: 5 },
  { en: 'Khon Kaen', th: 'ขอนแก่น', weight: 4 },
  { en: 'Phuket', th: 'ภูเก็ต', weight: 4 },
  { en: 'Songkhla', th: 'สงขลา', weight: 4 },
  { en: 'Ayutthaya', th: 'พระนครศรีอยุธยา', weight: 3 },
  { en: 'Rayong', th: 'ระยอง', weight: 3 },
  { en: 'Udon Thani', th: 'อุดรธานี', weight: 3 },
  { en: 'Surat Thani', th: 'สุราษฎร์ธานี', weight: 3 },
  { en: 'Nakhon Pathom', th: 'นครปฐม', weight: 3 },
  { en: 'Chiang Rai', th: 'เชียงราย', weight: 2 },
];

/** Consonants used in Thai plate series (a few that look alike or are obsolete are not issued). */
const THAI_LETTERS = 'กขคฆงจฉชซฌญฎฐฒณดตถทธนบปผพฟภมยรลวศษสหฬอฮ'.split('');
const LATIN_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ'.split('');

export type PlateScript = 'latin' | 'thai';

export interface PlateSpec {
  plate_number: string;
  province: string;
  script: PlateScript;
  blacklisted: boolean;
}

export interface PlatePoolOptions {
  /** Distinct ordinary plates (vehicles come back, as they do past a real checkpoint). */
  poolSize: number;
  /** Share of ordinary plates that are Thai (0-1). */
  thaiRatio: number;
  blacklisted: readonly string[];
}

function digits(rng: Random, min: number, max: number): string {
  const n = rng.int(min, max);
  let s = String(rng.int(1, 9));
  for (let i = 1; i < n; i++) s += String(rng.int(0, 9));
  return s;
}

function letters(rng: Random, alphabet: readonly string[], n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(alphabet);
  return s;
}

function province(rng: Random): { en: string; th: string } {
  return rng.weighted(SIM_PROVINCES.map((p) => [p, p.weight] as const));
}

/** `ABC1234` or `1ABC234`. */
export function latinPlate(rng: Random): string {
  return rng.chance(0.6) ? letters(rng, LATIN_LETTERS, 3) + digits(rng, 4, 4) : String(rng.int(1, 9)) + letters(rng, LATIN_LETTERS, 3) + digits(rng, 3, 3);
}

/** `1กข1234` (newer series with a leading digit) or `กข 1234`. */
export function thaiPlate(rng: Random): string {
  return rng.chance(0.5) ? String(rng.int(1, 9)) + letters(rng, THAI_LETTERS, 2) + digits(rng, 1, 4) : letters(rng, THAI_LETTERS, 2) + ' ' + digits(rng, 1, 4);
}

export function isThai(text: string): boolean {
  return /[\u0E00-\u0E7F]/.test(text);
}

export class PlatePool {
  readonly ordinary: PlateSpec[] = [];
  readonly blacklisted: PlateSpec[];

  constructor(rng: Random, options: PlatePoolOptions) {
    const banned = new Set(options.blacklisted);
    const seen = new Set<string>();
    for (let guard = 0; this.ordinary.length < options.poolSize && guard < options.poolSize * 20; guard++) {
      const thai = rng.chance(options.thaiRatio);
      const p = province(rng);
      const plate = thai ? thaiPlate(rng) : latinPlate(rng);
      if (seen.has(plate) || banned.has(plate)) continue;
      seen.add(plate);
      this.ordinary.push({ plate_number: plate, province: thai ? p.th : p.en, script: thai ? 'thai' : 'latin', blacklisted: false });
    }
    this.blacklisted = options.blacklisted.map((plate) => {
      const p = province(rng);
      const thai = isThai(plate);
      return { plate_number: plate, province: thai ? p.th : p.en, script: thai ? 'thai' : 'latin', blacklisted: true };
    });
  }

  /** An ordinary plate, or a blacklisted one with probability `blacklistRatio`. */
  draw(rng: Random, blacklistRatio: number): PlateSpec {
    if (this.blacklisted.length > 0 && rng.chance(blacklistRatio)) return rng.pick(this.blacklisted);
    return rng.pick(this.ordinary);
  }
}

type VehicleClass = 'car' | 'pickup' | 'motorcycle' | 'truck' | 'van' | 'bus';

const CLASSES: ReadonlyArray<readonly [VehicleClass, number]> = [
  ['car', 55],
  ['pickup', 22],
  ['motorcycle', 12],
  ['truck', 5],
  ['van', 4],
  ['bus', 2],
];

const TYPES: Record<VehicleClass, readonly string[]> = {
  car: ['sedan', 'hatchback', 'suv', 'crossover'],
  pickup: ['single_cab', 'extended_cab', 'double_cab'],
  motorcycle: ['scooter', 'underbone', 'sport'],
  truck: ['box_truck', 'six_wheeler', 'ten_wheeler'],
  van: ['passenger_van', 'cargo_van'],
  bus: ['city_bus', 'coach'],
};

const MAKES: Record<VehicleClass, ReadonlyArray<readonly [string, string]>> = {
  car: [['Toyota', 'Camry'], ['Toyota', 'Yaris'], ['Toyota', 'Corolla Altis'], ['Honda', 'City'], ['Honda', 'Civic'], ['Honda', 'CR-V'], ['Nissan', 'Almera'], ['Mazda', '2'], ['Mazda', 'CX-5'], ['Mitsubishi', 'Pajero Sport'], ['BYD', 'Atto 3'], ['MG', 'ZS']],
  pickup: [['Toyota', 'Hilux Revo'], ['Isuzu', 'D-Max'], ['Ford', 'Ranger'], ['Mitsubishi', 'Triton'], ['Nissan', 'Navara']],
  motorcycle: [['Honda', 'Wave 110i'], ['Honda', 'Click 160'], ['Yamaha', 'NMAX'], ['Yamaha', 'Fino'], ['Honda', 'PCX 160']],
  truck: [['Isuzu', 'FRR'], ['Hino', '500'], ['Fuso', 'Fighter']],
  van: [['Toyota', 'Commuter'], ['Toyota', 'Hiace'], ['Hyundai', 'H-1']],
  bus: [['Hino', 'RK8J'], ['Mercedes-Benz', 'OH 1526'], ['Scania', 'K360']],
};

const COLORS: ReadonlyArray<readonly [string, number]> = [
  ['white', 30],
  ['black', 18],
  ['silver', 16],
  ['grey', 12],
  ['red', 7],
  ['blue', 7],
  ['brown', 3],
  ['green', 2],
  ['yellow', 2],
  ['orange', 1],
  ['pink', 1],
  ['other', 1],
];

/** Vehicle width range in pixels at 1920x1080, and height/width ratio range. */
const SIZE: Record<VehicleClass, { w: [number, number]; ratio: [number, number] }> = {
  car: { w: [320, 620], ratio: [0.6, 0.85] },
  pickup: { w: [360, 680], ratio: [0.62, 0.85] },
  motorcycle: { w: [130, 260], ratio: [1.2, 1.7] },
  truck: { w: [520, 900], ratio: [0.8, 1.05] },
  van: { w: [400, 700], ratio: [0.8, 1.0] },
  bus: { w: [640, 1000], ratio: [0.75, 0.95] },
};

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/** What the running config changes in the generated data (`detection_settings`). */
export interface GeneratorSettings {
  /** Lowest plate/vehicle confidence reported (the camera drops weaker reads). */
  confidenceThreshold: number;
  maxVehiclesPerFrame: number;
}

export interface DetectionOptions {
  cameraId: string;
  pool: PlatePool;
  blacklistRatio: number;
}

/** Boxes `[x1, y1, x2, y2]` of a vehicle and, inside its lower part, its plate. */
function boxes(rng: Random, cls: VehicleClass, thai: boolean): { vehicle: [number, number, number, number]; plate: [number, number, number, number] } {
  const size = SIZE[cls];
  const w = Math.round(rng.range(size.w[0], size.w[1]));
  const h = Math.min(FRAME.height - 200, Math.round(w * rng.range(size.ratio[0], size.ratio[1])));
  const x1 = rng.int(0, FRAME.width - w);
  const y1 = rng.int(200, FRAME.height - h);
  const pw = Math.max(40, Math.round(w * (cls === 'motorcycle' ? rng.range(0.35, 0.5) : rng.range(0.16, 0.26))));
  // Thai plates carry the province on a second line: taller.
  const ph = Math.max(14, Math.round(pw * (thai || cls === 'motorcycle' ? rng.range(0.42, 0.55) : rng.range(0.22, 0.32))));
  const cx = x1 + w / 2 + rng.range(-0.08, 0.08) * w;
  const px1 = Math.round(clamp(cx - pw / 2, x1, x1 + w - pw));
  const py1 = Math.round(clamp(y1 + h * rng.range(0.62, 0.8), y1, y1 + h - ph));
  return { vehicle: [x1, y1, x1 + w, y1 + h], plate: [px1, py1, px1 + pw, py1 + ph] };
}

function confidence(rng: Random, mean: number, threshold: number): number {
  return round2(clamp(rng.normal(mean, 0.06), Math.max(0.7, threshold), 0.99));
}

function stamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '_').replace(/\..*$/, '');
}

/** One seed-format detection (without message_id/timestamp/camera_id, filled by the agent). */
export function generateDetection(rng: Random, options: DetectionOptions, settings: GeneratorSettings, now: number): { detection: DetectionDraft; blacklisted: number } {
  const maxVehicles = Math.max(1, settings.maxVehiclesPerFrame);
  const count = Math.min(maxVehicles, rng.weighted([[1, 85], [2, 12], [3, 3]] as const));
  const vehicles: Vehicle[] = [];
  const plates: Plate[] = [];
  let blacklisted = 0;
  for (let i = 0; i < count; i++) {
    const cls = rng.weighted(CLASSES);
    // The first vehicle is what triggered the camera: it has a readable plate.
    const hasPlate = i === 0 || rng.chance(cls === 'motorcycle' ? 0.7 : 0.88);
    const spec = hasPlate ? options.pool.draw(rng, options.blacklistRatio) : null;
    if (spec?.blacklisted) blacklisted++;
    const { vehicle: vbox, plate: pbox } = boxes(rng, cls, spec?.script === 'thai');
    const [brand, model] = rng.pick(MAKES[cls]);
    const vehicle: Vehicle = {
      vehicle_index: i,
      bbox: vbox,
      confidence: confidence(rng, 0.92, settings.confidenceThreshold),
      vehicle_class: cls,
      vehicle_type: rng.pick(TYPES[cls]),
      color: rng.weighted(COLORS),
    };
    // Make and model are recognised only on good views.
    if (rng.chance(0.75)) Object.assign(vehicle, { brand, model, year: rng.int(2008, 2025) });
    vehicles.push(vehicle);
    if (spec) {
      const conf = confidence(rng, 0.9, settings.confidenceThreshold);
      plates.push({
        plate_index: plates.length,
        plate_number: spec.plate_number,
        bbox: pbox,
        confidence: conf,
        plate_type: cls === 'motorcycle' ? 'motorcycle' : cls === 'truck' || cls === 'bus' ? 'commercial' : 'standard',
        country: 'TH',
        province: spec.province,
        // A weak read is sometimes a misread the OCR flags.
        is_valid: conf >= 0.8 || rng.chance(0.6),
        vehicle_index: i,
      });
    }
  }
  const confidence_score = round2(plates.length > 0 ? plates.reduce((s, p) => s + p.confidence, 0) / plates.length : (vehicles[0]?.confidence ?? 0.9));
  const hour = new Date(now).getHours();
  const lighting = hour >= 7 && hour < 17 ? 'daylight' : hour >= 17 && hour < 19 ? 'dusk' : hour >= 5 && hour < 7 ? 'dawn' : 'night_ir';
  const detection: DetectionDraft = {
    camera_id: options.cameraId,
    detection_data: {
      vehicles_count: vehicles.length,
      plates_count: plates.length,
      processing_time_ms: Math.round(clamp(rng.normal(110 + 35 * vehicles.length, 30), 25, 900)),
      confidence_score,
      detection_type: 'lpr',
      vehicles,
      plates,
    },
    metadata: {
      image_path: `/storage/images/${options.cameraId}_${stamp(now)}_${String(now % 1000).padStart(3, '0')}.jpg`,
      weather: rng.weighted([['clear', 65], ['cloudy', 22], ['rain', 12], ['fog', 1]] as const),
      lighting,
      frame_width: FRAME.width,
      frame_height: FRAME.height,
    },
  };
  return { detection, blacklisted };
}

/** A camera's vital signs, drifting slowly (a random walk) between health messages. */
export class HealthModel {
  cpu: number;
  memory: number;
  disk: number;
  temperature: number;

  constructor(
    private readonly rng: Random,
    private readonly startedAt: number,
  ) {
    this.cpu = rng.range(25, 55);
    this.memory = rng.range(40, 65);
    this.disk = rng.range(15, 40);
    this.temperature = rng.range(36, 48);
  }

  next(cameraId: string, now: number, lastDetection: number | null): HealthDraft {
    const r = this.rng;
    this.cpu = clamp(this.cpu + r.normal(0, 6) + (40 - this.cpu) * 0.1, 3, 100);
    this.memory = clamp(this.memory + r.normal(0, 2) + (55 - this.memory) * 0.05, 10, 100);
    this.disk = clamp(this.disk + r.range(0, 0.05), 0, 100);
    this.temperature = clamp(this.temperature + r.normal(0, 1.5) + (44 - this.temperature) * 0.1 + (this.cpu - 40) * 0.02, 20, 95);
    const alerts: HealthAlert[] = [];
    const at = new Date(now).toISOString();
    if (this.cpu > 80) alerts.push({ level: this.cpu > 92 ? 'critical' : 'warning', message: `High CPU usage detected (${this.cpu.toFixed(1)}%)`, timestamp: at });
    if (this.memory > 85) alerts.push({ level: 'warning', message: `High memory usage (${this.memory.toFixed(1)}%)`, timestamp: at });
    if (this.temperature > 70) alerts.push({ level: this.temperature > 82 ? 'critical' : 'warning', message: `High temperature (${this.temperature.toFixed(1)} °C)`, timestamp: at });
    const status = alerts.some((a) => a.level === 'critical') ? 'critical' : alerts.length > 0 ? 'warning' : 'healthy';
    return {
      camera_id: cameraId,
      health_status: status,
      health_details: {
        cpu_usage: round1(this.cpu),
        memory_usage: round1(this.memory),
        disk_usage: round1(this.disk),
        network_status: 'connected',
        camera_status: 'active',
        last_detection: lastDetection === null ? null : new Date(lastDetection).toISOString(),
        uptime_seconds: Math.round((now - this.startedAt) / 1000),
        temperature: round1(this.temperature),
      },
      alerts,
    };
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
