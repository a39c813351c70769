'use strict';
// Loads Apache Royale's AMF codec (AMFBinaryData, AMFContext, AMF0AMF3Context) into this node process.
//
// The npm package @apache-royale/royale-js ships the framework as JS SWCs (zip files) whose
// js/out/ folders hold the compiler's debug output: one Closure-style file per class
// (goog.provide / goog.require / goog.inherits). The same files are what a Royale application
// loads in a browser. Here they are read straight out of the SWCs, ordered by their goog.require
// lines, and evaluated in this context after Closure's own base.js (shipped in the same package).
// The only shim: `window` is this global object (BinaryData looks for TextEncoder/TextDecoder on
// it; node has both).

const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { readZip } = require('./zip');

const ROYALE = path.join(__dirname, '..', 'node_modules', '@apache-royale', 'royale-js', 'royale-asjs');
const SWC_DIR = path.join(ROYALE, 'frameworks', 'js', 'libs');
const SWCS = ['NetworkJS', 'CoreJS', 'LanguageJS', 'ReflectionJS'];
const CLOSURE = path.join(ROYALE, 'js', 'lib', 'google', 'closure-library', 'closure', 'goog');
const ENTRY_POINTS = [
  'org.apache.royale.net.remoting.amf.AMFBinaryData',
  'org.apache.royale.net.remoting.amf.AMF0AMF3Context',
  'org.apache.royale.reflection.registerClassAlias',
  'org.apache.royale.reflection.getAliasByClass',
];

// A source: {name, text()}; `provides` maps each goog.provide'd namespace to its source.
function indexSources(swcs) {
  const provides = new Map();
  const add = (name, text) => {
    const source = { name, text, closure: name.startsWith(CLOSURE) };
    for (const m of text().matchAll(/^goog\.provide\('([^']+)'\)/gm)) {
      if (!provides.has(m[1])) provides.set(m[1], source);
    }
  };
  for (const swc of swcs) {
    const file = path.join(SWC_DIR, `${swc}.swc`);
    for (const [entry, read] of readZip(file)) {
      if (!entry.startsWith('js/out/') || !entry.endsWith('.js')) continue;
      let cached;
      add(`${swc}.swc:${entry}`, () => (cached ??= read().toString('utf8')));
    }
  }
  (function walk(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js') && !e.name.endsWith('_test.js')) {
        let cached;
        add(p, () => (cached ??= fs.readFileSync(p, 'utf8')));
      }
    }
  })(CLOSURE);
  return provides;
}

// Dependencies of a source: its goog.require lines and, for Royale's compiled files (which do not
// declare the Closure classes they extend, e.g. goog.events.Event), the goog.* names its code uses.
function dependencies(source, provides) {
  const text = source.text();
  const names = [...text.matchAll(/^goog\.require\('([^']+)'\)/gm)].map((m) => m[1]);
  if (!source.closure) {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of code.matchAll(/\bgoog\.[A-Za-z_][\w.]*/g)) {
      let name = m[0];
      while (name.includes('.') && !provides.has(name)) name = name.slice(0, name.lastIndexOf('.'));
      if (provides.has(name)) names.push(name);
    }
  }
  return names;
}

// What a compiled class needs while its file is evaluated: the class it extends and the interfaces
// its ROYALE_CLASS_INFO lists (the rest of its goog.require lines are used inside functions, later).
// Closure's own files: everything they require.
function loadTimeDependencies(source, provides) {
  if (source.closure) return dependencies(source, provides);
  const text = source.text();
  const names = [...text.matchAll(/^goog\.inherits\([\w.$]+, ([\w.$]+)\)/gm)].map((m) => m[1]);
  for (const m of text.matchAll(/\binterfaces: \[([^\]]*)\]/g)) names.push(...m[1].split(',').map((n) => n.trim()));
  return names.filter((name) => provides.has(name));
}

// The order to evaluate the entry points and what they require in: each file after what it requires.
// Requires can form cycles (AcknowledgeMessage requires AcknowledgeMessageExt, which extends it); in
// a cycle a file still comes after what it needs at load time, and a file that cannot yet (its base
// class is being placed) is placed again once that is done.
function evaluationOrder(entryPoints, provides) {
  const order = [];
  const state = new Map();  // source -> 'open' (being placed) | 'placed'
  const retry = [];
  const sourceOf = (name) => {
    const source = provides.get(name);
    if (!source) throw new Error(`Royale loader: nothing provides ${name}`);
    return source;
  };
  const place = (source) => {  // false: it needs at load time a file that is still open
    if (state.has(source)) return state.get(source) === 'placed';
    state.set(source, 'open');
    const needed = new Set(loadTimeDependencies(source, provides).map(sourceOf));
    for (const dep of needed) {
      if (!place(dep)) {
        state.delete(source);
        retry.push(source);
        return false;
      }
    }
    // An open file here is a require cycle: its namespace exists by the time it is used.
    for (const dep of dependencies(source, provides).map(sourceOf)) if (!needed.has(dep)) place(dep);
    order.push(source);
    state.set(source, 'placed');
    return true;
  };
  for (const name of entryPoints) place(sourceOf(name));
  for (const source of retry) {
    if (!place(source)) throw new Error(`Royale loader: ${source.name} is its own base class`);
  }
  return order;
}

// The scripts that load the entry points (class names) from the SWCs named, in evaluation order:
// Closure's base.js first, then each file after what it requires. [{name, text}]; what a browser
// page loads as one script (browser/run.js) and what loadRoyale evaluates here.
function royaleScripts({ swcs = SWCS, entryPoints = ENTRY_POINTS } = {}) {
  if (!fs.existsSync(SWC_DIR)) throw new Error(`Royale is not installed (${SWC_DIR} missing): run npm ci`);
  const provides = indexSources(swcs);
  const order = evaluationOrder(entryPoints, provides);
  const base = path.join(CLOSURE, 'base.js');
  return [{ name: 'base.js', text: fs.readFileSync(base, 'utf8') },
    ...order.map((source) => ({ name: source.name, text: source.text() }))];
}

// What Closure's base.js must find before it runs: no deps.js and no script-tag loader (the files
// come in order).
const CLOSURE_GLOBALS = {
  CLOSURE_NO_DEPS: true,
  CLOSURE_UNCOMPILED_DEFINES: { 'goog.ENABLE_DEBUG_LOADER': false },
};

let loaded = null;

// Returns the `org.apache.royale` namespace, loading it on first use: the entry points (class names)
// from the SWCs named, and what they require. Later calls return the same namespace, whatever their
// options (the classes live in this global context). Royale's Flex classes (mx.*) land in globalThis.mx.
function loadRoyale(options = {}) {
  if (loaded) return loaded;
  const scripts = royaleScripts(options);
  globalThis.window = globalThis;
  Object.assign(globalThis, CLOSURE_GLOBALS);
  for (const script of scripts) vm.runInThisContext(script.text, { filename: script.name });
  loaded = globalThis.org.apache.royale;
  loaded.net.remoting.amf.AMFBinaryData.verboseLogging = false;
  return loaded;
}

module.exports = { loadRoyale, royaleScripts, CLOSURE_GLOBALS, SWCS, ENTRY_POINTS };
