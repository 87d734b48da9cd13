/** The LPR camera simulator (`lpr-sim`) as a library: for tests, the demo and the benchmarks. */
export { startSimulator, formatSummary, type Simulator, type SimSummary } from './simulator';
export { SimCamera, type CameraStats } from './camera';
export { SIM_DEFAULTS, HELP, OPTION_NAMES, CONTROL_MODES, cameraIds, parseSimArgs, resolveSimOptions, SimOptionError, type SimOptions, type ControlMode } from './options';
export { PlatePool, generateDetection, HealthModel, latinPlate, thaiPlate, FRAME, SIM_PROVINCES } from './data';
export { Random } from './random';
