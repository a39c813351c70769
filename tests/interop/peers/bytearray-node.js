'use strict';
// bytearray-node 3.3.5 (npm): an AS3 ByteArray clone whose readObject/writeObject use amf0-ts 1.3.9
// and amf3-ts 1.1.0. Many of its AMF paths are wrong (README.md lists them); the cases run here are
// only the ones it gets right.

const path = require('path');
const { Typed, Vector, mapGraph, copyMembers, isObject } = require('../lib/model');

// bytearray-node requires lzma-native (for ByteArray.compress('lzma')) when it loads. Its native
// addon is not built here (.npmrc: ignore-scripts, so no download or compile at install), and
// compression has nothing to do with AMF: an inert module stands in for it.
const lzmaPath = require.resolve('lzma-native', { paths: [path.dirname(require.resolve('bytearray-node'))] });
require.cache[lzmaPath] = { id: lzmaPath, filename: lzmaPath, loaded: true, exports: { LZMA: () => { throw new Error('no LZMA here'); } } };
const ByteArray = require('bytearray-node');

const ENCODING = { amf0: 0, amf3: 3 };
const TYPED_ARRAYS = [[Int32Array, 'int'], [Uint32Array, 'uint'], [Float64Array, 'double']];
const byAlias = new Map();  // alias -> class
const byClass = new Map();  // class -> alias

function setup(classes) {
  for (const [alias, spec] of Object.entries(classes)) {
    if (spec.externalizable) continue;  // its IExternalizable gets a raw byte stream, not an IDataOutput
    const Class = { [alias]: class {} }[alias];
    for (const encoding of Object.values(ENCODING)) ByteArray.registerClassAlias(encoding, alias, Class);
    byAlias.set(alias, Class);
    byClass.set(Class, alias);
  }
}

function toNeutral(value) {
  return mapGraph(value, (v, recurse) => {
    if (!isObject(v)) return v;
    if (v instanceof Date) return new Date(v.getTime());
    if (v.constructor && v.constructor.name === 'Stream') return Uint8Array.from(v.data);  // amf3-ts ByteArray
    for (const [Type, kind] of TYPED_ARRAYS) {
      if (v instanceof Type) return new Vector(kind, Array.from(v), { fixed: !Object.isExtensible(v) });
    }
    if (v instanceof Map) {  // what it makes of 0x11 (Dictionary)
      const out = new Map();
      recurse.remember(v, out);
      for (const [key, item] of v) out.set(recurse(key), recurse(item));
      return out;
    }
    if (v instanceof Set) {  // what it makes of 0x10 (Vector.<Object>)
      const out = new Vector('object', []);
      recurse.remember(v, out);
      for (const item of v) out.items.push(recurse(item));
      return out;
    }
    if (byClass.has(v.constructor)) {
      const out = new Typed(byClass.get(v.constructor), {});
      recurse.remember(v, out);
      copyMembers(v, out.members, recurse);
      return out;
    }
    if (Array.isArray(v) || v.constructor === Object) {
      const out = Array.isArray(v) ? [] : {};
      recurse.remember(v, out);
      return copyMembers(v, out, recurse);
    }
    throw new Error(`unexpected decoded type ${v.constructor && v.constructor.name}`);
  });
}

function fromNeutral(value) {
  return mapGraph(value, (v, recurse) => {
    if (!isObject(v)) return v;
    if (v instanceof Date) return new Date(v.getTime());
    if (v instanceof Uint8Array) return new ByteArray(Buffer.from(v));
    if (v instanceof Map) {  // it writes a Map as 0x11 (Dictionary)
      const out = new Map();
      recurse.remember(v, out);
      for (const [key, item] of v) out.set(recurse(key), recurse(item));
      return out;
    }
    if (v instanceof Vector && v.kind === 'object') {  // it writes a Set as 0x10 (Vector.<Object>)
      const out = new Set();
      recurse.remember(v, out);
      for (const item of v.items) out.add(recurse(item));
      return out;
    }
    if (v instanceof Vector) {
      const [Type] = TYPED_ARRAYS.find(([, kind]) => kind === v.kind);
      const out = Type.from(v.items);
      return v.fixed ? Object.preventExtensions(out) : out;
    }
    if (v instanceof Typed) {
      const out = new (byAlias.get(v.alias))();
      recurse.remember(v, out);
      return copyMembers(v.members, out, recurse);
    }
    if (Array.isArray(v) || v.constructor === Object) {
      const out = Array.isArray(v) ? [] : {};
      recurse.remember(v, out);
      return copyMembers(v, out, recurse);
    }
    throw new Error(`cannot write ${v.constructor && v.constructor.name}`);
  });
}

module.exports = {
  name: 'bytearray-node',
  title: 'bytearray-node 3.3.5 (amf0-ts 1.3.9, amf3-ts 1.1.0)',
  setup,
  read(format, bytes) {
    const data = new ByteArray(Buffer.from(bytes));
    data.objectEncoding = ENCODING[format];
    const value = data.readObject();
    if (data.bytesAvailable !== 0) throw new Error(`${data.bytesAvailable} byte(s) left unread`);
    return toNeutral(value);
  },
  write(format, value) {
    const data = new ByteArray();
    data.objectEncoding = ENCODING[format];
    data.writeObject(fromNeutral(value));
    return Buffer.from(data.buffer);
  },
};
