/** Metrics snapshots, health checks and the Prometheus exposition of lpr-system-monitor (pure). */
export * from './health-check';
export * from './snapshot';
export * from './prometheus';
export * from './settings';
