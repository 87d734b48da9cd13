/** `lpr-mosquitto`: provisioning of a Mosquitto 2 broker for the LPR topic tree (see args.ts HELP). */
export * from './options';
export * from './args';
export * from './acl';
export * from './conf';
export * from './listeners';
export * from './passwd';
export * from './certs';
export * from './provision';
export * from './bridge';
export * from './sites';
export * from './version';
