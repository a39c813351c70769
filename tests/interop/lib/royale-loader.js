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
function indexSources() {
  const provides = new Map();
  const add = (name, text) => {
    const source = { name, text, closure: name.startsWith(CLOSURE) };
    for (const m of text().matchAll(/^goog\.provide\('([^']+)'\)/gm)) {
      if (!provides.has(m[1])) provides.set(m[1], source);
    }
  };
  for (const swc of SWCS) {
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

let loaded = null;

// Returns the `org.apache.royale` namespace, loading it on first use.
function loadRoyale() {
  if (loaded) return loaded;
  if (!fs.existsSync(SWC_DIR)) throw new Error(`Royale is not installed (${SWC_DIR} missing): run npm ci`);
  const provides = indexSources();
  const order = [];
  const seen = new Set();
  const visit = (name) => {
    const source = provides.get(name);
    if (!source) throw new Error(`Royale loader: nothing provides ${name}`);
    if (seen.has(source)) return;  // loaded, or a require cycle: its namespace exists by the time it is used
    seen.add(source);
    for (const dep of dependencies(source, provides)) visit(dep);
    order.push(source);
  };
  ENTRY_POINTS.forEach(visit);

  globalThis.window = globalThis;
  globalThis.CLOSURE_NO_DEPS = true;  // no deps.js, no script-tag loader: files come in `order`
  globalThis.CLOSURE_UNCOMPILED_DEFINES = { 'goog.ENABLE_DEBUG_LOADER': false };
  vm.runInThisContext(fs.readFileSync(path.join(CLOSURE, 'base.js'), 'utf8'), { filename: 'base.js' });
  for (const source of order) vm.runInThisContext(source.text(), { filename: source.name });
  loaded = globalThis.org.apache.royale;
  loaded.net.remoting.amf.AMFBinaryData.verboseLogging = false;
  return loaded;
}

module.exports = { loadRoyale };
