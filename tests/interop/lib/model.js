'use strict';
// The neutral JS form of an AMF value graph, shared by every peer adapter, and its comparison.
//
// Plain JS stands for itself: numbers, strings, booleans, null, undefined, Date, arrays (extra
// non-index keys = the associative part / ECMA array keys), plain objects (anonymous objects).
// The classes below stand for what plain JS cannot say. Each peer adapter converts between this
// form and its own (class instances, typed arrays, synthetic vectors, ...), keeping shared nodes
// shared, so one expected value serves every peer.

class Typed {  // an object with a class alias; members are compared by name, in any order
  constructor(alias, members) {
    this.alias = alias;
    this.members = members;
  }
}

class Vector {  // Vector.<int|uint|Number|Object>: kind 'int' | 'uint' | 'double' | 'object'
  constructor(kind, items, { fixed = false, type = '' } = {}) {
    this.kind = kind;
    this.items = items;
    this.fixed = fixed;
    this.type = type;  // object vectors only: the element class alias ('' = Object or *)
  }
}

class External {  // an IExternalizable object, e.g. flex.messaging.io.ArrayCollection
  constructor(alias, value) {
    this.alias = alias;
    this.value = value;
  }
}

// ByteArray: a Uint8Array. Dictionary: a Map (keys of any type, in order).

const isObject = (v) => v !== null && (typeof v === 'object' || typeof v === 'function');

// Copies a neutral graph into a peer's form (or back): `convert(node, recurse)` returns the
// converted node; the memo keeps shared nodes shared and cycles finite. `convert` must register
// its result with `recurse.remember(node, result)` BEFORE recursing into children when the node
// can be part of a cycle.
function mapGraph(root, convert) {
  const memo = new Map();
  const recurse = (node) => {
    if (!isObject(node)) return convert(node, recurse);
    if (memo.has(node)) return memo.get(node);
    const result = convert(node, recurse);
    memo.set(node, result);
    return result;
  };
  recurse.remember = (node, result) => memo.set(node, result);
  return recurse(root);
}

// Copies the own enumerable keys of `from` into `to` through `recurse` (and an array's length, so
// that holes stay visible).
function copyMembers(from, to, recurse) {
  if (Array.isArray(from) && Array.isArray(to)) to.length = from.length;
  for (const key of Object.keys(from)) to[key] = recurse(from[key]);
  return to;
}

// Compares an actual neutral graph with the expected one. Returns null when equal, else a message
// naming the first difference by path. Node identity must correspond one to one: a node shared in
// the expected graph must be one shared node in the actual graph, and distinct expected nodes must
// be distinct actual nodes (a peer that merges equal objects fails).
function compare(actual, expected) {
  const forward = new Map();
  const backward = new Map();
  const show = (v) => {
    if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
    if (Object.is(v, -0)) return '-0';
    if (v instanceof Date) return `Date(${v.getTime()})`;
    if (isObject(v)) return v.constructor ? v.constructor.name || 'object' : 'object';
    return String(v);
  };
  const walk = (a, e, at) => {
    if (!isObject(e)) {
      if (Object.is(a, e)) return null;
      if (typeof a === 'string' && typeof e === 'string') {
        let i = 0;
        while (a[i] === e[i]) i++;
        return `${at}: strings differ at [${i}] (lengths ${a.length}, ${e.length}): ` +
          `got ${show(a.slice(i, i + 20))}, want ${show(e.slice(i, i + 20))}`;
      }
      return `${at}: got ${show(a)}, want ${show(e)}`;
    }
    if (!isObject(a)) return `${at}: got ${show(a)}, want ${show(e)}`;
    if (forward.has(e) || backward.has(a)) {
      if (forward.get(e) === a && backward.get(a) === e) return null;
      return `${at}: node identity differs (sharing not preserved, or distinct nodes merged)`;
    }
    forward.set(e, a);
    backward.set(a, e);
    const kind = (v) => (Array.isArray(v) ? 'array' : v.constructor === Object || !v.constructor ? 'object' : v.constructor.name);
    if (kind(a) !== kind(e)) return `${at}: got ${kind(a)}, want ${kind(e)}`;
    if (e instanceof Date) {
      return Object.is(a.getTime(), e.getTime()) ? null : `${at}: got ${show(a)}, want ${show(e)}`;
    }
    if (e instanceof Uint8Array) {
      return Buffer.compare(Buffer.from(a), Buffer.from(e)) === 0
        ? null : `${at}: bytes ${Buffer.from(a).toString('hex')}, want ${Buffer.from(e).toString('hex')}`;
    }
    if (e instanceof Typed || e instanceof External) {
      if (a.alias !== e.alias) return `${at}: alias ${show(a.alias)}, want ${show(e.alias)}`;
      return e instanceof Typed ? walk(a.members, e.members, `${at}<${e.alias}>`) : walk(a.value, e.value, `${at}<${e.alias}>`);
    }
    if (e instanceof Map) {
      return walk([...a.entries()], [...e.entries()], `${at}.entries`);
    }
    if (e instanceof Vector) {
      for (const field of ['kind', 'fixed', 'type']) {
        if (a[field] !== e[field]) return `${at}: vector ${field} ${show(a[field])}, want ${show(e[field])}`;
      }
      return walk(a.items, e.items, `${at}.items`);
    }
    if (Array.isArray(e) && a.length !== e.length) return `${at}: length ${a.length}, want ${e.length}`;
    const aKeys = Object.keys(a).sort();
    const eKeys = Object.keys(e).sort();
    if (aKeys.join('\0') !== eKeys.join('\0')) return `${at}: keys [${aKeys}], want [${eKeys}]`;
    for (const key of eKeys) {
      const problem = walk(a[key], e[key], Array.isArray(e) && /^\d+$/.test(key) ? `${at}[${key}]` : `${at}.${key}`);
      if (problem) return problem;
    }
    return null;
  };
  return walk(actual, expected, '$');
}

module.exports = { Typed, Vector, External, mapGraph, copyMembers, compare, isObject };
