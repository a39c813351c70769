'use strict';
// The comparative benchmark (bench/compare), npm side: decode and encode times of the npm AMF
// libraries on the very bytes our codec is measured on (written by `compare --write-bytes DIR`).
// Uses the node_modules of tests/interop (package.json there pins the versions). `libamf` is not
// installable here (it depends on a GitHub-only package), so the peers are:
//   bytearray-node 3.3.5 (ByteArray.readObject/writeObject, AMF0 and AMF3)
//   amf 0.1.0 (TooTallNate; an AMF0 reader only)
//
//   node npm_peers.js BYTES_DIR [--runs N] [--sample-ms MS] [--clock cpu|wall]
//
// Prints the same tab-separated lines as compare.cpp (payload impl format direction bytes runs
// median min q1 q3 max note; ops/s). --clock cpu (default) times process.cpuUsage() (user + system
// of the whole node process, GC threads included), wall times process.hrtime.bigint(); the sample
// length is always steered by process.hrtime. A case that cannot run says why in the note column.
// Measures only: nothing here asserts a timing.

const fs = require('fs');
const path = require('path');

const interop = path.join(__dirname, '..', '..', 'tests', 'interop', 'node_modules');
const need = (name) => require(require.resolve(name, { paths: [interop] }));

// bytearray-node requires lzma-native when it loads; its native addon is not built (tests/interop/.npmrc
// sets ignore-scripts) and compression has nothing to do with AMF: an inert module stands in for it.
const lzmaPath = require.resolve('lzma-native', { paths: [path.dirname(require.resolve('bytearray-node', { paths: [interop] }))] });
require.cache[lzmaPath] = { id: lzmaPath, filename: lzmaPath, loaded: true, exports: { LZMA: () => { throw new Error('no LZMA here'); } } };
const ByteArray = need('bytearray-node');
const amf = need('amf');

// small holds a typed object: give bytearray-node a class for its alias, as an application would.
const SMALL_ALIAS = 'flex.messaging.messages.RemotingMessage';
class RemotingMessage {}
for (const encoding of [0, 3]) ByteArray.registerClassAlias(encoding, SMALL_ALIAS, RemotingMessage);

const PAYLOADS = ['complex', 'strings', 'numbers', 'small'];
const ENCODING = { amf0: 0, amf3: 3 };
// bytearray-node's writer grows its output with Array.concat per write (quadratic): 292 KB of AMF0
// took 64 s per encode and 900 KB did not finish in 240 s (shared/reference/peers-perf.md).
const MAX_ENCODE_BYTES = 50000;

function parseArgs(argv) {
  const opts = { dir: null, runs: 11, sampleMs: 20, clock: 'cpu' };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--runs') opts.runs = Math.max(1, parseInt(argv[++i], 10));
    else if (a === '--sample-ms') opts.sampleMs = Math.max(1, parseFloat(argv[++i]));
    else if (a === '--clock') opts.clock = argv[++i];
    else if (!opts.dir) opts.dir = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!opts.dir) throw new Error('usage: node npm_peers.js BYTES_DIR [--runs N] [--sample-ms MS] [--clock cpu|wall]');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

function seconds() {
  if (opts.clock === 'wall') return Number(process.hrtime.bigint()) / 1e9;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function timeIterations(op, n) {
  const start = seconds();
  for (let i = 0; i < n; ++i) op();
  return seconds() - start;
}

// Iterations per sample so that one sample lasts about sampleMs of wall time (one op at least).
function calibrate(op) {
  op();  // warm up (JIT)
  const target = opts.sampleMs / 1000;
  let n = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; ++i) op();
    const t = Number(process.hrtime.bigint() - start) / 1e9;
    if (t >= target / 4 || n >= 1 << 24) return Math.max(1, Math.floor(target / Math.max(t / n, 1e-9)));
    n *= 4;
  }
}

function quantile(values, q) {
  const v = [...values].sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

const g = (x) => Number(x.toPrecision(6)).toString();

function readBytearray(format, bytes) {
  const data = new ByteArray(Buffer.from(bytes));
  data.objectEncoding = ENCODING[format];
  const value = data.readObject();
  if (data.bytesAvailable !== 0) throw new Error(`${data.bytesAvailable} byte(s) left unread`);
  return value;
}

function writeBytearray(format, value) {
  const data = new ByteArray();
  data.objectEncoding = ENCODING[format];
  data.writeObject(value);
  return data.buffer;
}

function readAmf(bytes) {
  const info = { offset: 0 };
  const value = amf.read(bytes, info);
  if (info.offset !== bytes.length) throw new Error(`${bytes.length - info.offset} byte(s) left unread`);
  return value;
}

// One case: {payload, impl, format, direction, bytes, op} or {..., note} when it cannot run.
// `prepare` runs the op once untimed; if it throws, the case is reported n/a with the message.
function makeCase(payload, impl, format, direction, prepare) {
  const c = { payload, impl, format, direction, bytes: 0, op: null, note: '', iterations: 1, samples: [] };
  try {
    const r = prepare();
    if (typeof r === 'string') {
      c.note = r;
    } else {
      c.bytes = r.bytes;
      c.op = r.op;
    }
  } catch (e) {
    c.note = `n/a: throws: ${String(e.message || e).split('\n')[0].slice(0, 100)}`;
  }
  return c;
}

function casesFor(payload) {
  const bytes = {
    amf0: fs.readFileSync(path.join(opts.dir, `${payload}.amf0`)),
    amf3: fs.readFileSync(path.join(opts.dir, `${payload}.amf3`)),
  };
  const cases = [];
  for (const format of ['amf3', 'amf0']) {
    const input = bytes[format];
    cases.push(makeCase(payload, 'bytearray-node', format, 'decode', () => {
      readBytearray(format, input);
      return { bytes: input.length, op: () => readBytearray(format, input) };
    }));
  }
  for (const format of ['amf3', 'amf0']) {
    cases.push(makeCase(payload, 'bytearray-node', format, 'encode', () => {
      // The value to write is the library's own decoding of our AMF3 (it cannot read AMF0 arrays).
      let value;
      try {
        value = readBytearray('amf3', bytes.amf3);
      } catch (e) {
        return `n/a: nothing to encode (it cannot decode this payload: ${String(e.message).slice(0, 60)})`;
      }
      if (bytes[format].length > MAX_ENCODE_BYTES) {
        return `n/a: not run (quadratic writer: ${bytes[format].length} B would take seconds to minutes per op)`;
      }
      const out = writeBytearray(format, value);
      if (format === 'amf3') readBytearray(format, out);  // its own output reads back (AMF0: it cannot read arrays)
      return { bytes: out.length, op: () => writeBytearray(format, value) };
    }));
  }
  cases.push(makeCase(payload, 'amf', 'amf0', 'decode', () => {
    readAmf(bytes.amf0);
    return { bytes: bytes.amf0.length, op: () => readAmf(bytes.amf0) };
  }));
  return cases;
}

function main() {
  const cases = PAYLOADS.flatMap(casesFor);
  for (const c of cases) if (c.op) c.iterations = calibrate(c.op);
  for (let r = 0; r < opts.runs; ++r) {
    for (const c of cases) {
      if (!c.op) continue;
      const t = timeIterations(c.op, c.iterations);
      c.samples.push(c.iterations / Math.max(t, 1e-6));
    }
  }
  const lines = [`# npm peers clock=${opts.clock} runs=${opts.runs} sample_ms=${opts.sampleMs} node=${process.version}`];
  for (const c of cases) {
    const head = [c.payload, c.impl, c.format, c.direction, c.bytes];
    if (!c.op) {
      lines.push([...head, 0, '', '', '', '', '', c.note].join('\t'));
    } else {
      const s = c.samples;
      lines.push([...head, s.length, g(quantile(s, 0.5)), g(quantile(s, 0)), g(quantile(s, 0.25)),
        g(quantile(s, 0.75)), g(quantile(s, 1)), c.note].join('\t'));
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
