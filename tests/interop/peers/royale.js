'use strict';
// Apache Royale 0.9.12 (npm @apache-royale/royale-js): org.apache.royale.net.remoting.amf.AMFBinaryData,
// the ByteArray of Royale's Flex-compatible remoting stack, with AMFContext (AMF3) and
// AMF0AMF3Context (AMF0, what AMF0SupportBead installs). See lib/royale-loader.js for how the
// compiled classes are loaded, and README.md for the bugs avoided.

const { Typed, Vector, External, mapGraph, copyMembers, isObject } = require('../lib/model');
const { loadRoyale } = require('../lib/royale-loader');

const VECTOR_KINDS = { 'Vector.<int>': 'int', 'Vector.<uint>': 'uint', 'Vector.<Number>': 'double' };
const VECTOR_TYPES = { int: 'int', uint: 'uint', double: 'Number' };
const DEFAULTS = { int: 0, uint: 0, Number: NaN, Boolean: false };

let royale = null;
const byAlias = new Map();  // alias -> {ctor, spec}
const byQName = new Map();  // qualified class name -> alias

// Defines a class the way Royale's compiler emits an AS3 class compiled with
// js-default-initializers=true (ROYALE_COMPILE_FLAGS 9): default values on the prototype, class and
// reflection info (public variables with their types), and registerClassAlias(alias, Class).
function defineClass(alias, spec) {
  const R = royale;
  const qName = `interop.${alias.replace(/\./g, '_')}`;
  const Class = function () {};
  const variables = {};
  for (const [field, type] of Object.entries(spec.fields || {})) {
    Class.prototype[field] = type in DEFAULTS ? DEFAULTS[type] : null;
    variables[field] = { type, get_set: (inst, v) => (v !== undefined ? (inst[field] = v) : inst[field]) };
  }
  Class.prototype.ROYALE_CLASS_INFO = {
    names: [{ name: qName.split('.').pop(), qName, kind: 'class', isDynamic: !!spec.dynamic }],
    interfaces: spec.externalizable ? [R.utils.net.IExternalizable] : [],
  };
  Class.prototype.ROYALE_REFLECTION_INFO = () => ({ variables: () => variables });
  Class.prototype.ROYALE_COMPILE_FLAGS = 9;
  if (spec.externalizable) {
    // flex.messaging.io.ArrayCollection and friends: the external form is one value, the source.
    Class.prototype.readExternal = function (input) { this.source = input.readObject(); };
    Class.prototype.writeExternal = function (output) { output.writeObject(this.source); };
  }
  globalThis.goog.exportSymbol(qName, Class);
  R.reflection.registerClassAlias(alias, Class);
  byAlias.set(alias, { Class, spec });
  byQName.set(qName, alias);
}

function setup(classes) {
  royale = loadRoyale();
  for (const [alias, spec] of Object.entries(classes)) defineClass(alias, spec);
}

function amf() {
  return royale.net.remoting.amf;
}

// AMF0 needs AMF0AMF3Context (AMF0SupportBead installs it); AMF3 uses the default AMFContext. The
// context class is chosen when an AMFBinaryData first reads or writes.
function binaryData(format, arrayBuffer) {
  const { AMFBinaryData, AMFContext, AMF0AMF3Context } = amf();
  AMFBinaryData.installAlternateContext(format === 'amf0' ? AMF0AMF3Context : AMFContext);
  const data = arrayBuffer ? new AMFBinaryData(arrayBuffer) : new AMFBinaryData();
  data.objectEncoding = format === 'amf0' ? 0 : 3;
  return data;
}

function bytesOf(data) {
  return Buffer.from(new Uint8Array(data.array).subarray(0, data.length));
}

function toNeutral(value) {
  const { AMFBinaryData } = amf();
  const Language = royale.utils.Language;
  return mapGraph(value, (v, recurse) => {
    if (!isObject(v)) return v;
    if (v instanceof Date) return new Date(v.getTime());
    if (v instanceof AMFBinaryData) return new Uint8Array(bytesOf(v));
    if (Array.isArray(v) && v[Language.SYNTH_TAG_FIELD] !== undefined) {
      const type = v[Language.SYNTH_TAG_FIELD].type;
      const kind = VECTOR_KINDS[type] || 'object';
      const inner = type.slice('Vector.<'.length, -1);
      const out = new Vector(kind, [], { fixed: !!v.fixed, type: kind === 'object' ? byQName.get(inner) || '' : '' });
      recurse.remember(v, out);
      for (let i = 0; i < v.length; i++) out.items.push(recurse(v[i]));
      return out;
    }
    if (Array.isArray(v)) {
      const out = [];
      recurse.remember(v, out);
      return copyMembers(v, out, recurse);
    }
    const info = v.ROYALE_CLASS_INFO;
    if (info) {
      const alias = royale.reflection.getAliasByClass(v.constructor);
      const { spec } = byAlias.get(alias);
      if (spec.externalizable) {
        const out = new External(alias, undefined);
        recurse.remember(v, out);
        out.value = recurse(v.source);
        return out;
      }
      const out = new Typed(alias, {});
      recurse.remember(v, out);
      for (const field of Object.keys(spec.fields || {})) out.members[field] = recurse(v[field]);
      for (const key of Object.keys(v)) if (!(key in out.members)) out.members[key] = recurse(v[key]);
      return out;
    }
    const out = {};
    recurse.remember(v, out);
    return copyMembers(v, out, recurse);
  });
}

function fromNeutral(value) {
  const { AMFBinaryData } = amf();
  const Language = royale.utils.Language;
  return mapGraph(value, (v, recurse) => {
    if (!isObject(v)) return v;
    if (v instanceof Date) return new Date(v.getTime());
    if (v instanceof Uint8Array) return new AMFBinaryData(Uint8Array.from(v).buffer);
    if (v instanceof Vector) {
      const type = VECTOR_TYPES[v.kind] || (v.type ? [...byQName].find(([, a]) => a === v.type)[0] : 'Object');
      const out = Language.Vector(v.items.length, type, v.fixed);
      recurse.remember(v, out);
      v.items.forEach((item, i) => { out[i] = recurse(item); });
      return out;
    }
    if (v instanceof Typed || v instanceof External) {
      const out = new (byAlias.get(v.alias).Class)();
      recurse.remember(v, out);
      if (v instanceof External) out.source = recurse(v.value);
      else copyMembers(v.members, out, recurse);
      return out;
    }
    const out = Array.isArray(v) ? [] : {};
    recurse.remember(v, out);
    return copyMembers(v, out, recurse);
  });
}

module.exports = {
  name: 'royale',
  title: 'Apache Royale 0.9.12 AMFBinaryData (npm @apache-royale/royale-js)',
  setup,
  read(format, bytes) {
    const data = binaryData(format, Uint8Array.from(bytes).buffer);
    const value = data.readObject();
    if (data.bytesAvailable !== 0) throw new Error(`${data.bytesAvailable} byte(s) left unread`);
    return toNeutral(value);
  },
  write(format, value) {
    const data = binaryData(format);
    data.writeObject(fromNeutral(value));
    return bytesOf(data);
  },
};
