'use strict';
// Compares Amphora's lossless JSON (docs/json-mapping.md) without losing what JSON.parse loses:
// an integer (`42`) is not the double `42.0`, and member order is significant (it is the order on
// the wire). "$id" labels are compared up to renaming: the expected text may number shared nodes
// differently from the decoder, as long as the same nodes are shared.

// Parses JSON text into: {t:'int'|'double', v:Number} | {t:'str', v} | {t:'bool', v} | {t:'null'}
// | {t:'arr', v:[...]} | {t:'obj', v:[[key, node], ...]}.
function parse(text) {
  let at = 0;
  const fail = (what) => {
    throw new Error(`JSON: ${what} at offset ${at}: ${JSON.stringify(text.slice(at, at + 30))}`);
  };
  const space = () => {
    while (at < text.length && ' \t\r\n'.includes(text[at])) at++;
  };
  const literal = (word, node) => {
    if (text.startsWith(word, at)) {
      at += word.length;
      return node;
    }
    return fail('unexpected text');
  };
  const string = () => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(at));
    if (!m) fail('bad string');
    at += m[0].length;
    return JSON.parse(m[0]);
  };
  const value = () => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const members = [];
      space();
      if (text[at] === '}') {
        at++;
        return { t: 'obj', v: members };
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail('expected a key');
        const key = string();
        space();
        if (text[at++] !== ':') fail('expected :');
        members.push([key, value()]);
        space();
        if (text[at] === ',') at++;
        else if (text[at] === '}') {
          at++;
          return { t: 'obj', v: members };
        } else fail('expected , or }');
      }
    }
    if (c === '[') {
      at++;
      const items = [];
      space();
      if (text[at] === ']') {
        at++;
        return { t: 'arr', v: items };
      }
      for (;;) {
        items.push(value());
        space();
        if (text[at] === ',') at++;
        else if (text[at] === ']') {
          at++;
          return { t: 'arr', v: items };
        } else fail('expected , or ]');
      }
    }
    if (c === '"') return { t: 'str', v: string() };
    if (c === 't') return literal('true', { t: 'bool', v: true });
    if (c === 'f') return literal('false', { t: 'bool', v: false });
    if (c === 'n') return literal('null', { t: 'null' });
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
    if (!m) fail('unexpected character');
    at += m[0].length;
    return { t: m[1] || m[2] ? 'double' : 'int', v: Number(m[0]) };
  };
  const root = value();
  space();
  if (at !== text.length) fail('trailing text');
  return root;
}

// Prints a parsed node back as compact JSON (for messages), integers without and doubles with '.'.
function show(node, limit = 160) {
  const out = (n) => {
    switch (n.t) {
      case 'int': return String(n.v);
      case 'double': return Object.is(n.v, -0) ? '-0.0' : Number.isInteger(n.v) && Math.abs(n.v) < 1e21 ? `${n.v}.0` : String(n.v);
      case 'str': return JSON.stringify(n.v);
      case 'bool': return String(n.v);
      case 'null': return 'null';
      case 'arr': return `[${n.v.map(out).join(',')}]`;
      default: return `{${n.v.map(([k, v]) => `${JSON.stringify(k)}:${out(v)}`).join(',')}}`;
    }
  };
  const s = out(node);
  return s.length > limit ? `${s.slice(0, limit)}...` : s;
}

// Returns null when the two texts denote the same lossless JSON, else where they first differ.
function compareJson(actualText, expectedText) {
  let actual;
  try {
    actual = parse(actualText);
  } catch (e) {
    return `output is not JSON: ${e.message}`;
  }
  const expected = parse(expectedText);
  const ids = new Map();     // expected $id -> actual $id
  const idsBack = new Map();
  const walk = (a, e, at) => {
    if (a.t !== e.t) return `${at}: got ${show(a)}, want ${show(e)}`;
    if (e.t === 'arr') {
      if (a.v.length !== e.v.length) return `${at}: ${a.v.length} items, want ${e.v.length}`;
      for (let i = 0; i < e.v.length; i++) {
        const problem = walk(a.v[i], e.v[i], `${at}[${i}]`);
        if (problem) return problem;
      }
      return null;
    }
    if (e.t === 'obj') {
      const aKeys = a.v.map(([k]) => k);
      const eKeys = e.v.map(([k]) => k);
      if (aKeys.join('\0') !== eKeys.join('\0')) return `${at}: keys [${aKeys}], want [${eKeys}]`;
      for (let i = 0; i < e.v.length; i++) {
        const key = eKeys[i];
        const [av, ev] = [a.v[i][1], e.v[i][1]];
        if ((key === '$id' || key === '$ref') && ev.t === 'int' && av.t === 'int') {
          if (key === '$id') {
            if (ids.has(ev.v) || idsBack.has(av.v)) return `${at}: "$id" ${av.v} defined twice`;
            ids.set(ev.v, av.v);
            idsBack.set(av.v, ev.v);
          } else if (ids.get(ev.v) !== av.v) {
            return `${at}: {"$ref":${av.v}} is not the node that the expected {"$ref":${ev.v}} names`;
          }
          continue;
        }
        const problem = walk(av, ev, `${at}.${key}`);
        if (problem) return problem;
      }
      return null;
    }
    return Object.is(a.v, e.v) || (e.t === 'null') ? null : `${at}: got ${show(a)}, want ${show(e)}`;
  };
  return walk(actual, expected, '$');
}

module.exports = { parse, show, compareJson };
