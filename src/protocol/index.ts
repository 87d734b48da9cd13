/**
 * The LPR MQTT protocol: identifiers, topics, schemas, QoS/retain policy, decoding and factories.
 * Pure: no Node-RED import, so cameras, tests and tools can use it as well as the nodes.
 */
export * from './identifiers';
export * from './timestamp';
export * from './errors';
export * from './policy';
export * from './images';
export * from './topics';
export * from './decode';
export * from './factories';
export * from './schemas/common';
export * from './schemas/detection';
export * from './schemas/health';
export * from './schemas/config';
export * from './schemas/control';
export * from './schemas/ack';
export * from './schemas/blacklist';
export * from './schemas/checkpoint';
export * from './schemas/system';
