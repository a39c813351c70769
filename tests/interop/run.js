#!/usr/bin/env node
'use strict';
// Interop test driver (ctest label `interop`; README.md):
//   node run.js --amphora PATH [--peer NAME]... [--case TEXT] [--verbose] [--list] [--install-only]
//               [--check-seconds N]   (a check still running after N seconds, 120 by default, fails the run)
// For every case of cases.js and every peer named in it:
//   r  our encoder's bytes (`amphora encode`) are read by the peer: it must get the expected value;
//   w  the peer writes the value: our decoder (`amphora decode`) must print the expected JSON;
//   R, W  the same checks where a known bug of the peer must make them fail (a pass is reported
//         as a failure: the bug list in README.md and cases.js is out of date).
// Then, per peer, generated graphs go round: peer writes -> we decode -> we encode -> peer reads.
// Installs the npm packages first (npm ci) when node_modules is missing or stale.
// Prints failures (every check with --verbose), then "N passed, M failed"; exits 1 if any failed.

process.env.TZ = 'UTC';  // bytearray-node writes the local timezone offset into AMF0 dates

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const HERE = __dirname;
const PEERS = ['amf', 'bytearray-node', 'royale'];

function usage(message) {
  if (message) console.error(`run.js: ${message}`);
  console.error('usage: node run.js --amphora PATH [--peer amf|bytearray-node|royale]... [--case TEXT] ' +
    '[--verbose] [--list] [--install-only] [--check-seconds N]');
  process.exit(2);
}

function parseArgs(argv) {
  const options = { peers: [], verbose: false, list: false, installOnly: false, checkSeconds: 120 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    if (arg === '--amphora') options.amphora = next();
    else if (arg === '--peer') options.peers.push(next());
    else if (arg === '--case') options.caseFilter = next();
    else if (arg === '--verbose') options.verbose = true;
    else if (arg === '--list') options.list = true;
    else if (arg === '--install-only') options.installOnly = true;
    else if (arg === '--check-seconds') options.checkSeconds = Number(next());
    else usage(`unknown argument ${arg}`);
  }
  for (const peer of options.peers) if (!PEERS.includes(peer)) usage(`unknown peer ${peer}`);
  if (options.peers.length === 0) options.peers = PEERS;
  if (!options.amphora && !options.list && !options.installOnly) usage('--amphora is required');
  return options;
}

// npm ci when node_modules is missing or older than package.json / package-lock.json. npm keeps
// node_modules/.package-lock.json as the record of the last install.
function ensureInstalled() {
  const stamp = path.join(HERE, 'node_modules', '.package-lock.json');
  const newest = Math.max(...['package.json', 'package-lock.json'].map((f) => fs.statSync(path.join(HERE, f)).mtimeMs));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newest) return;
  console.log('interop: installing npm packages (npm ci) ...');
  const r = spawnSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: HERE, stdio: 'inherit', timeout: 600000 });
  if (r.error || r.status !== 0) {
    console.error(`interop: npm ci failed in ${HERE} (${r.error ? r.error.message : `exit ${r.status}`}).`);
    console.error('interop: the npm registry must be reachable to install the peers (amf, bytearray-node, ' +
      '@apache-royale/royale-js); or run `npm ci` there by hand.');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

function hex(bytes, max = 96) {
  const b = Buffer.from(bytes);
  const text = b.subarray(0, max).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return b.length > max ? `${text} ... (${b.length} bytes)` : text;
}

function clip(text, max = 300) {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  ensureInstalled();
  if (options.installOnly) return 0;

  const { CASES, CLASSES, ROUND_TRIPS } = require('./cases');
  const { generate } = require('./lib/generate');
  const { compare } = require('./lib/model');
  const { compareJson } = require('./lib/ljson');
  const cases = CASES.filter((c) => !options.caseFilter || c.name.includes(options.caseFilter));

  if (options.list) {
    for (const c of cases) {
      const who = Object.entries(c.peers).map(([peer, what]) => `${peer}:${what}`).join(' ');
      console.log(`${c.format}  ${c.name}  [${who}]`);
    }
    return 0;
  }

  const ours = require('./lib/amphora').amphora(path.resolve(options.amphora));
  const watchdog = require('./lib/watchdog').startWatchdog(options.checkSeconds);
  let passed = 0;
  let failed = 0;
  let confirmedBugs = 0;
  // problem: null when the check matched; details: lines that help find the cause.
  const report = (label, problem, details, knownBug) => {
    if (knownBug) {
      const ok = problem !== null;
      if (ok) confirmedBugs++;
      else failed++;
      if (!ok || options.verbose) console.log(`${ok ? 'bug ' : 'FAIL'} ${label} [known bug: ${knownBug}]`);
      if (!ok) console.log('       passed although the peer bug should make it fail: update cases.js and README.md');
      else if (options.verbose) console.log(`       ${problem}`);
      return;
    }
    if (problem === null) passed++;
    else failed++;
    if (problem !== null || options.verbose) console.log(`${problem === null ? 'ok  ' : 'FAIL'} ${label}`);
    if (problem !== null) for (const line of [problem, ...details]) console.log(`       ${line}`);
  };
  // Runs one check: `check(details)` returns null or the problem; an exception is a problem too.
  const run = (label, knownBug, check) => {
    watchdog.begin(label, passed, failed);
    const details = [];
    let problem;
    try {
      problem = check(details);
    } catch (e) {
      problem = String((e && e.message) || e);
    }
    report(label, problem, details, knownBug);
  };

  // The three kinds of check; each returns null or the problem, and pushes lines that help find
  // the cause onto `details`.
  const expectedJson = (c, name) => (typeof c.written === 'object' ? c.written[name] || c.json : c.written || c.json);
  const peerReads = (peer, c) => (details) => {
    const bytes = ours.encode(c.format, c.json);
    details.push(`our bytes: ${hex(bytes)}`);
    return compare(peer.read(c.format, bytes), c.value());
  };
  const peerWrites = (peer, c) => (details) => {
    const bytes = peer.write(c.format, c.value());
    details.push(`peer bytes: ${hex(bytes)}`);
    const text = ours.decode(c.format, bytes);
    details.push(`we decoded: ${clip(text)}`);
    return compareJson(text, expectedJson(c, peer.name));
  };
  const roundTrips = (peer, trip) => (details) => {
    const graphs = generate(trip);
    for (let i = 0; i < graphs.length; i++) {
      const steps = [];
      try {
        const peerBytes = peer.write(trip.format, graphs[i]);
        steps.push(`peer bytes: ${hex(peerBytes)}`);
        const text = ours.decode(trip.format, peerBytes);
        steps.push(`we decoded: ${clip(text)}`);
        const ourBytes = ours.encode(trip.format, text);
        steps.push(`our bytes: ${hex(ourBytes)}`);
        const problem = compare(peer.read(trip.format, ourBytes), graphs[i]);
        if (problem) throw new Error(problem);
      } catch (e) {
        details.push(...steps);
        return `graph ${i}: ${e.message}`;
      }
    }
    return null;
  };

  for (const name of options.peers) {
    const peer = require(`./peers/${name}`);
    try {
      peer.setup(CLASSES);
    } catch (e) {
      report(`${name}: setup`, String(e.stack || e), [], null);
      continue;
    }
    console.log(`interop: ${peer.title}`);
    for (const c of cases) {
      const what = c.peers[name] || '';
      const bug = (letter) => (what.includes(letter.toUpperCase()) ? (c.bugs || {})[name] || 'unnamed' : null);
      if (/r/i.test(what)) run(`${name} reads our ${c.format}: ${c.name}`, bug('r'), peerReads(peer, c));
      if (/w/i.test(what)) run(`${name} writes ${c.format}, we read: ${c.name}`, bug('w'), peerWrites(peer, c));
    }
    for (const trip of ROUND_TRIPS.filter((t) => t.peer === name && !options.caseFilter)) {
      const label = `${name} round trip through us, ${trip.count} generated ${trip.format} graphs (seed ${trip.seed})`;
      run(label, null, roundTrips(peer, trip));
    }
  }
  if (confirmedBugs) console.log(`interop: ${confirmedBugs} known peer bug(s) confirmed (checks that must fail did)`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
