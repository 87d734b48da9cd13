// lpr-camera-control: the file Node-RED loads; its code is in runtime.js, which every node of the package shares.
module.exports = require('./runtime.js')["lpr-camera-control"];
