'use strict';
// amf 0.1.0 (npm, TooTallNate): an AMF0 reader only (no writer despite its description), correct on
// everything it accepts: number, boolean, string, object, null, undefined, ECMA array, strict
// array, date, typed object (class name in `__className__`). It has no long string, reference,
// XML document or AVM+ (AMF3) support.

const amf = require('amf');
const { Typed, mapGraph, copyMembers, isObject } = require('../lib/model');

function toNeutral(value) {
  return mapGraph(value, (v, recurse) => {
    if (!isObject(v)) return v;
    if (v instanceof Date) return new Date(v.getTime());
    if (Array.isArray(v)) {
      const out = [];
      recurse.remember(v, out);
      return copyMembers(v, out, recurse);
    }
    if (typeof v.__className__ === 'string') {
      const { __className__: alias, ...members } = v;
      const out = new Typed(alias, {});
      recurse.remember(v, out);
      copyMembers(members, out.members, recurse);
      return out;
    }
    const out = {};
    recurse.remember(v, out);
    return copyMembers(v, out, recurse);
  });
}

module.exports = {
  name: 'amf',
  title: 'amf 0.1.0 (TooTallNate; AMF0 reader)',
  setup() {},
  read(format, bytes) {
    if (format !== 'amf0') throw new Error('amf reads AMF0 only');
    const buffer = Buffer.from(bytes);
    const info = { offset: 0 };
    const value = amf.read(buffer, info);
    if (info.offset !== buffer.length) throw new Error(`${buffer.length - info.offset} byte(s) left unread`);
    return toNeutral(value);
  },
  // no write(): this peer has no encoder
};
