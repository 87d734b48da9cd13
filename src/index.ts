/**
 * The package's library entry (package.json "main"): what a function node can load in its Setup ›
 * Modules as `@lprserver/node-red-lpr`, so that a flow normalises plates exactly as the nodes do
 * (e.g. a search box's text before looking up the `plate_key` that lpr-detection-in gave each read).
 * Node-RED loads the nodes themselves from the "node-red" section, not from here.
 */
export { normalizePlate, parsePlate } from './blacklist/normalize';
