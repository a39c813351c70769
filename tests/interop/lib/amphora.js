'use strict';
// Runs the `amphora` CLI: `encode --amf0|--amf3 -` (lossless JSON in, AMF out) and
// `decode --amf0|--amf3 -` (AMF in, lossless JSON out), each through stdin/stdout.

const { spawnSync } = require('child_process');

function run(binary, args, input) {
  const r = spawnSync(binary, args, { input, maxBuffer: 64 << 20, timeout: 30000 });
  if (r.error) throw new Error(`${binary} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    const why = r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    throw new Error(`amphora ${args.join(' ')}: ${why}: ${r.stderr.toString().trim()}`);
  }
  return r.stdout;
}

function amphora(binary) {
  return {
    // Returns the AMF bytes (a Buffer) that our encoder writes for the JSON text.
    encode: (format, json) => run(binary, ['encode', `--${format}`, '-'], Buffer.from(json, 'utf8')),
    // Returns the lossless JSON text that our decoder gives for the AMF bytes.
    decode: (format, bytes) => run(binary, ['decode', `--${format}`, '-'], Buffer.from(bytes)).toString('utf8').trim(),
  };
}

module.exports = { amphora };
