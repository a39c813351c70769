'use strict';
// The interop cases. Each case is one AMF value in two forms:
//   json   our lossless JSON (docs/json-mapping.md): what `amphora encode` is given, and what
//          `amphora decode` must print for the bytes a peer writes of `value` (unless `written`
//          gives that peer's own expected JSON: peers differ in canonical choices, e.g. Royale
//          writes every AMF0 array as an ECMA array);
//   value  the same graph in the neutral JS form of lib/model.js (a function: a fresh graph per use).
// `peers` says what each peer is checked for: 'r' = it reads our bytes and must get `value`,
// 'w' = it writes `value` and we must decode `json`. An upper-case 'R' or 'W' marks a known bug of
// that peer (`bugs` says which): the check must FAIL, which keeps README.md's list of peer bugs
// honest and shows the comparisons can fail. A peer is absent from a case, or lacks a letter, when
// it does not support the type at all.

const { Typed, Vector, External } = require('./lib/model');

// Class aliases that the peers register (Royale also needs the member types, as its compiler would
// record them). Typed objects not listed here are never sent to a peer.
const CLASSES = {
  'com.example.Person': { fields: { age: 'int', name: 'String' } },
  'com.example.Tagged': { fields: { id: 'int' }, dynamic: true },
  'com.example.Point': { fields: { x: 'Number', y: 'Number' } },
  'flex.messaging.io.ArrayCollection': { externalizable: true },
};

const date = (iso) => new Date(iso);
const person = (age, name) => new Typed('com.example.Person', { age, name });
const LONG_ASCII = 'interop-'.repeat(8750);  // 70,000 bytes: an AMF0 long string (0x0C)
const LONG_UTF8 = 'é'.repeat(40000);          // 40,000 chars but 80,000 UTF-8 bytes: also 0x0C
const EDGE_65535 = 'x'.repeat(65535);         // the longest AMF0 short string (0x02)
const EDGE_65536 = 'x'.repeat(65536);         // the shortest AMF0 long string

// Many distinct strings and objects, then references to late ones. A reference index >= 64 needs a
// two-byte U29 (where amf-cpp's encoder breaks), >= 8192 a three-byte one.
function manyReferences(stringCount, stringRefs, objectCount, objectRefs) {
  const strings = Array.from({ length: stringCount }, (_, i) => `s${i}`);
  const objs = Array.from({ length: objectCount }, (_, n) => ({ n }));
  const ids = new Map(objectRefs.map((i, k) => [i, k + 1]));
  const objsJson = objs.map(({ n }) => (ids.has(n) ? `{"$id":${ids.get(n)},"n":${n}}` : `{"n":${n}}`));
  return {
    json: `{"strings":[${[...strings, ...stringRefs.map((i) => strings[i])].map((x) => `"${x}"`)}],` +
      `"objs":[${[...objsJson, ...objectRefs.map((i) => `{"$ref":${ids.get(i)}}`)]}]}`,
    value: () => {
      const fresh = objs.map(({ n }) => ({ n }));
      return { strings: [...strings, ...stringRefs.map((i) => strings[i])], objs: [...fresh, ...objectRefs.map((i) => fresh[i])] };
    },
  };
}
const REFS_2_BYTES = manyReferences(300, [299, 130, 64], 200, [199, 130, 64]);
const REFS_3_BYTES = manyReferences(8300, [8299, 8192, 200], 0, []);
const HUGE = 'amf3 '.repeat(220000);  // 1,100,000 bytes: a U29 length of four bytes

const AMF3 = [
  {
    name: 'integers at the U29 boundaries',
    json: '[0,1,-1,127,128,16383,16384,2097151,2097152,268435455,-268435456,-268435455]',
    value: () => [0, 1, -1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, -268435456, -268435455],
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'integers beyond 29 bits (doubles)',
    json: '[268435456.0,-268435457.0,2147483647.0,-2147483648.0,4294967296.0,9007199254740991.0]',
    value: () => [268435456, -268435457, 2147483647, -2147483648, 4294967296, 9007199254740991],
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'doubles',
    json: '[0.1,-1.5,1e+300,-1e-300,5e-324,1.7976931348623157e+308,3.141592653589793]',
    value: () => [0.1, -1.5, 1e300, -1e-300, 5e-324, 1.7976931348623157e308, Math.PI],
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'NaN and infinities',
    json: '[{"$double":"NaN"},{"$double":"Infinity"},{"$double":"-Infinity"}]',
    value: () => [NaN, Infinity, -Infinity],
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    // JS has one number type: both peers write integral numbers as AMF3 integers (not a bug).
    name: 'integral doubles',
    json: '[2.0,-7.0,0.0]',
    value: () => [2, -7, 0],
    peers: { royale: 'r', 'bytearray-node': 'r' },
  },
  {
    // AVM2 has no integer -0, so Flash writes it as a double; both peers write integer 0.
    name: 'negative zero',
    json: '[-0.0]',
    value: () => [-0],
    peers: { royale: 'rW', 'bytearray-node': 'rW' },
    bugs: { royale: 'writes -0 as integer 0', 'bytearray-node': 'writes -0 as integer 0' },
  },
  {
    name: 'strings: empty, ASCII, NUL, 2-, 3- and 4-byte UTF-8',
    json: '["","hello","a\\u0000b","h\\u00e9llo \\u2713 \\u4e16\\u754c","\\ud83d\\ude00 astral"]',
    value: () => ['', 'hello', 'a\u0000b', 'héllo ✓ 世界', '😀 astral'],
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'string references (empty string never referenced)',
    json: '["abc","abc","","def","","abc","def"]',
    value: () => ['abc', 'abc', '', 'def', '', 'abc', 'def'],
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'long strings (70,000 ASCII bytes; 80,000 UTF-8 bytes)',
    json: JSON.stringify([LONG_ASCII, LONG_UTF8]),
    value: () => [LONG_ASCII, LONG_UTF8],
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'string of 1,100,000 bytes (four-byte U29 length)',
    json: JSON.stringify(HUGE),
    value: () => HUGE,
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'references to table entries 64 and later (two-byte U29 indexes)',
    ...REFS_2_BYTES,
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    // Both writers copy their whole output again and again (quadratic): seconds per write here.
    name: 'string references to entries 8192 and later (three-byte U29 indexes)',
    ...REFS_3_BYTES,
    peers: { royale: 'r', 'bytearray-node': 'r' },
  },
  {
    name: 'unicode member names',
    json: '{"cl\u00e9":1,"\u952e":"v","\ud83d\ude00":true}',
    value: () => ({ clé: 1, 键: 'v', '😀': true }),
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'booleans, null and undefined as object members',
    json: '{"t":true,"f":false,"n":null,"u":{"$undefined":true}}',
    value: () => ({ t: true, f: false, n: null, u: undefined }),
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'null and undefined in an array',
    json: '[null,{"$undefined":true},1,null]',
    value: () => [null, undefined, 1, null],
    peers: { royale: 'rw', 'bytearray-node': 'Rw' },
    bugs: { 'bytearray-node': 'leaves a hole where an array holds null or undefined' },
  },
  {
    name: 'dates, one shared, one before 1970, one with milliseconds',
    json: '[{"$id":1,"$date":"2005-03-18T01:58:31.000Z"},{"$date":"1969-07-20T20:17:40.123Z"},{"$ref":1},' +
      '{"$date":"2999-12-31T23:59:59.999Z"}]',
    value: () => {
      const shared = date('2005-03-18T01:58:31.000Z');
      return [shared, date('1969-07-20T20:17:40.123Z'), shared, date('2999-12-31T23:59:59.999Z')];
    },
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'dense arrays, nested and empty',
    json: '[[1,2],[],["a",[true,[]]],{"o":{},"s":""}]',
    value: () => [[1, 2], [], ['a', [true, []]], { o: {}, s: '' }],
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    // bytearray-node's reader adds a mixed array's first key to the string table twice, so no
    // string may be referenced after the array: every string here is distinct.
    name: 'associative arrays: mixed and purely associative',
    json: '[{"$array":[10,"x"],"$assoc":{"k":"v","n":3}},{"$array":[],"$assoc":{"only":true}}]',
    value: () => {
      const mixed = Object.assign([10, 'x'], { k: 'v', n: 3 });
      const named = Object.assign([], { only: true });
      return [mixed, named];
    },
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    // A JS array with a hole: Royale writes the part before the hole as the dense part.
    name: 'sparse array (hole) as dense and associative parts',
    json: '{"$array":[1],"$assoc":{"2":3}}',
    value: () => {
      const sparse = [1];
      sparse[2] = 3;
      return sparse;
    },
    peers: { royale: 'rw' },
  },
  {
    name: 'string reference after a mixed array',
    json: '[{"$array":[1],"$assoc":{"key":true}},"after","after"]',
    value: () => [Object.assign([1], { key: true }), 'after', 'after'],
    peers: { royale: 'rw', 'bytearray-node': 'Rw' },
    bugs: { 'bytearray-node': "adds a mixed array's first key to the string table twice" },
  },
  {
    name: 'anonymous objects, nested, with trait references',
    json: '{"a":1,"b":"x","nested":{"c":[1,2],"d":{"e":null}},"list":[{"k":1},{"k":2},{"k":3}]}',
    value: () => ({ a: 1, b: 'x', nested: { c: [1, 2], d: { e: null } }, list: [{ k: 1 }, { k: 2 }, { k: 3 }] }),
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'shared and cyclic objects and arrays',
    json: '{"$id":1,"name":"root","self":{"$ref":1},"kids":[{"$id":2,"up":{"$ref":1}},{"$ref":2}],' +
      '"pair":[{"$id":3,"$array":[1,2]},{"$ref":3}]}',
    value: () => {
      const root = { name: 'root' };
      const kid = { up: root };
      const arr = [1, 2];
      return Object.assign(root, { self: root, kids: [kid, kid], pair: [arr, arr] });
    },
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'typed objects (registered alias): shared, with traits reference',
    json: '[{"$id":1,"$class":"com.example.Person","age":42,"name":"Ann"},' +
      '{"$class":"com.example.Person","age":7,"name":"B\\u00e9a"},{"$ref":1}]',
    value: () => {
      const ann = person(42, 'Ann');
      return [ann, person(7, 'Béa'), ann];
    },
    peers: { royale: 'rw', 'bytearray-node': 'RW' },
    bugs: { 'bytearray-node': 'reads and writes sealed members as name/value pairs' },
  },
  {
    name: 'typed dynamic object: sealed and dynamic members',
    json: '{"$class":"com.example.Tagged","$traits":{"sealed":["id"],"dynamic":true},"id":7,"note":"dyn","more":[1]}',
    value: () => new Typed('com.example.Tagged', { id: 7, note: 'dyn', more: [1] }),
    peers: { royale: 'rw', 'bytearray-node': 'R' },
    bugs: { 'bytearray-node': 'reads a typed dynamic object as an anonymous one, skipping its sealed members' },
  },
  {
    name: 'externalizable flex.messaging.io.ArrayCollection, shared',
    json: '[{"$id":1,"$class":"flex.messaging.io.ArrayCollection","$external":[1,"two",{"three":3}]},{"$ref":1}]',
    value: () => {
      const collection = new External('flex.messaging.io.ArrayCollection', [1, 'two', { three: 3 }]);
      return [collection, collection];
    },
    peers: { royale: 'rw' },
  },
  {
    name: 'ByteArray',
    json: '{"$bytes":"AAEC/4B/"}',
    value: () => Uint8Array.from([0, 1, 2, 255, 128, 127]),
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'empty ByteArray followed by another value',
    json: '[{"$bytes":""},"after"]',
    value: () => [new Uint8Array(0), 'after'],
    peers: { royale: 'rw', 'bytearray-node': 'Rw' },
    bugs: { 'bytearray-node': 'reads an empty ByteArray as the whole rest of the input' },
  },
  {
    name: 'ByteArray shared',
    json: '[{"$id":1,"$bytes":"AQI="},{"$ref":1}]',
    value: () => {
      const bytes = Uint8Array.from([1, 2]);
      return [bytes, bytes];
    },
    peers: { royale: 'rw', 'bytearray-node': 'rW' },
    bugs: { 'bytearray-node': 'writes each occurrence of a ByteArray in full, not as a reference' },
  },
  {
    name: 'Vector.<int> with negative items',
    json: '{"$vector":"int","$items":[1,-2,2147483647,-2147483648]}',
    value: () => new Vector('int', [1, -2, 2147483647, -2147483648]),
    peers: { royale: 'rw', 'bytearray-node': 'rW' },
    bugs: { 'bytearray-node': 'throws on negative Vector.<int> items when writing' },
  },
  {
    name: 'Vector.<int> without negative items',
    json: '{"$vector":"int","$items":[0,1,2147483647]}',
    value: () => new Vector('int', [0, 1, 2147483647]),
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'fixed vectors',
    json: '[{"$vector":"int","$fixed":true,"$items":[-1]},{"$vector":"uint","$fixed":true,"$items":[]},' +
      '{"$vector":"double","$fixed":true,"$items":[0.5]},{"$vector":"object","$fixed":true,"$items":["s",2]}]',
    value: () => [
      new Vector('int', [-1], { fixed: true }), new Vector('uint', [], { fixed: true }),
      new Vector('double', [0.5], { fixed: true }), new Vector('object', ['s', 2], { fixed: true }),
    ],
    peers: { royale: 'rW' },
    bugs: { royale: 'never sets the fixed flag when writing a vector' },
  },
  {
    name: 'Vector.<uint>',
    json: '{"$vector":"uint","$items":[0,1,4294967295]}',
    value: () => new Vector('uint', [0, 1, 4294967295]),
    peers: { royale: 'rW', 'bytearray-node': 'rw' },
    bugs: { royale: 'writes the Vector.<uint> header without its items' },
  },
  {
    name: 'Vector.<Number>',
    json: '{"$vector":"double","$items":[1.5,-0.25,1e+300,2.0]}',
    value: () => new Vector('double', [1.5, -0.25, 1e300, 2]),
    peers: { royale: 'rW', 'bytearray-node': 'rw' },
    bugs: { royale: 'writes the Vector.<Number> header without its items' },
  },
  {
    name: 'Vector.<Object>: typed (alias) and untyped',
    json: '[{"$vector":"object","$type":"com.example.Person","$items":[{"$class":"com.example.Person","age":1,"name":"A"}]},' +
      '{"$vector":"object","$items":["s",2]}]',
    value: () => [
      new Vector('object', [person(1, 'A')], { type: 'com.example.Person' }),
      new Vector('object', ['s', 2]),
    ],
    peers: { royale: 'rw', 'bytearray-node': 'RW' },
    bugs: { 'bytearray-node': 'reads and writes 0x10 as a JS Set, without the fixed flag and type name' },
  },
  {
    name: 'object referenced after the Vector.<Object> that holds it',
    json: '[{"$vector":"object","$items":[{"$id":1,"a":1}]},{"$ref":1}]',
    value: () => {
      const inner = { a: 1 };
      return [new Vector('object', [inner]), inner];
    },
    peers: { royale: 'Rw' },
    bugs: { royale: 'adds a vector to its object table after its items, not before' },
  },
  {
    // No peer here reads or writes a Dictionary correctly: Royale takes 0x11 for the AMF0->AMF3
    // switch; bytearray-node maps it to a JS Map but leaves out the weak-keys byte.
    name: 'Dictionary',
    json: '{"$dictionary":[["k",1],[2,"two"]]}',
    value: () => new Map([['k', 1], [2, 'two']]),
    peers: { royale: 'R', 'bytearray-node': 'RW' },
    bugs: {
      royale: 'reads the Dictionary marker 0x11 as the AMF0-to-AMF3 switch',
      'bytearray-node': 'reads and writes a Dictionary without its weak-keys byte',
    },
  },
  {
    name: 'a list of records (string, trait and object references throughout)',
    json: '{"count":2,"page":1,"records":[' +
      '{"id":1,"name":"Ann","active":true,"total":12.5,"due":{"$date":"2026-01-02T03:04:05.678Z"},"tags":["a","b"],"note":null},' +
      '{"id":2,"name":"Bob","active":false,"total":-3.25,"due":{"$date":"2026-02-03T04:05:06.789Z"},"tags":["b"],"note":"Ann"}]}',
    value: () => ({
      count: 2,
      page: 1,
      records: [
        { id: 1, name: 'Ann', active: true, total: 12.5, due: date('2026-01-02T03:04:05.678Z'), tags: ['a', 'b'], note: null },
        { id: 2, name: 'Bob', active: false, total: -3.25, due: date('2026-02-03T04:05:06.789Z'), tags: ['b'], note: 'Ann' },
      ],
    }),
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
];

// AMF0: every number is a double. bytearray-node cannot read strict arrays (0x0A), so its AMF0
// cases hold objects and ECMA arrays; Royale and bytearray-node write every JS array as an ECMA
// array (0x08). Royale and bytearray-node put dates in the AMF0 reference table (the spec, Flash
// and BlazeDS do not), so no case mixes dates with references.
const AMF0 = [
  {
    name: 'numbers',
    json: '{"zero":0.0,"one":1.0,"neg":-1.5,"big":1e+300,"max":9007199254740991.0,"tiny":5e-324,"int32":2147483648.0}',
    value: () => ({ zero: 0, one: 1, neg: -1.5, big: 1e300, max: 9007199254740991, tiny: 5e-324, int32: 2147483648 }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'NaN, infinities and negative zero',
    json: '{"nan":{"$double":"NaN"},"pinf":{"$double":"Infinity"},"ninf":{"$double":"-Infinity"},"negzero":-0.0}',
    value: () => ({ nan: NaN, pinf: Infinity, ninf: -Infinity, negzero: -0 }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'strings: empty, ASCII, NUL, 2-, 3- and 4-byte UTF-8',
    json: '{"empty":"","ascii":"hello","nul":"a\\u0000b","uni":"h\\u00e9llo \\u2713 \\u4e16\\u754c","astral":"\\ud83d\\ude00"}',
    value: () => ({ empty: '', ascii: 'hello', nul: 'a\u0000b', uni: 'héllo ✓ 世界', astral: '😀' }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'unicode member names',
    json: '{"cl\u00e9":1.0,"\u952e":"v","\ud83d\ude00":true}',
    value: () => ({ clé: 1, 键: 'v', '😀': true }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'string of 65,535 bytes (short string, the limit)',
    json: JSON.stringify({ s: EDGE_65535 }),
    value: () => ({ s: EDGE_65535 }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    // amf has no long string (0x0C).
    name: 'long strings: 65,536 bytes, 70,000 ASCII bytes, 40,000 chars in 80,000 UTF-8 bytes',
    json: JSON.stringify({ edge: EDGE_65536, ascii: LONG_ASCII, utf8: LONG_UTF8 }),
    value: () => ({ edge: EDGE_65536, ascii: LONG_ASCII, utf8: LONG_UTF8 }),
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'long string at the top level',
    json: JSON.stringify(LONG_UTF8),
    value: () => LONG_UTF8,
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'booleans, null and undefined',
    json: '{"t":true,"f":false,"n":null,"u":{"$undefined":true}}',
    value: () => ({ t: true, f: false, n: null, u: undefined }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'dates (timezone field 0)',
    json: '{"d":{"$date":"2005-03-18T01:58:31.000Z"},"old":{"$date":"1969-07-20T20:17:40.123Z"}}',
    value: () => ({ d: date('2005-03-18T01:58:31.000Z'), old: date('1969-07-20T20:17:40.123Z') }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    // The timezone field is reserved: readers must skip it (all three do).
    name: 'date with a nonzero timezone field',
    json: '{"d":{"$date":"2005-03-18T01:58:31.000Z","$tz":-120}}',
    value: () => ({ d: date('2005-03-18T01:58:31.000Z') }),
    peers: { amf: 'r', royale: 'r', 'bytearray-node': 'r' },
  },
  {
    name: 'nested anonymous objects',
    json: '{"a":{"b":{"c":"deep","d":1.5},"e":{}},"f":"x"}',
    value: () => ({ a: { b: { c: 'deep', d: 1.5 }, e: {} }, f: 'x' }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'ECMA array with index keys only',
    json: '{"$ecma":{"0":"a","1":"b"}}',
    value: () => ['a', 'b'],
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    // The count field: we write the number of entries (3); Royale and bytearray-node read it as the
    // array's length (so they get a hole at [2]); Royale writes the dense length (2), bytearray-node
    // the number of entries. README.md: "ECMA array count".
    name: 'ECMA array with index and named keys',
    json: '{"$ecma":{"0":"a","1":"b","k":"v"}}',
    value: () => Object.assign(['a', 'b'], { k: 'v' }),
    peers: { amf: 'r', royale: 'w', 'bytearray-node': 'w' },
  },
  {
    name: 'strict arrays',
    json: '[["a",1.0,true,null,{"$undefined":true}],[]]',
    value: () => [['a', 1, true, null, undefined], []],
    peers: { amf: 'r', royale: 'r', 'bytearray-node': 'R' },
    bugs: { 'bytearray-node': 'cannot read strict arrays (0x0A)' },
  },
  {
    name: 'typed object (registered alias)',
    json: '{"$class":"com.example.Person","age":42.0,"name":"Ann"}',
    value: () => person(42, 'Ann'),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'typed objects nested in an object',
    json: '{"from":{"$class":"com.example.Point","x":1.5,"y":-2.0},"to":{"$class":"com.example.Point","x":0.0,"y":3.0}}',
    value: () => ({
      from: new Typed('com.example.Point', { x: 1.5, y: -2 }),
      to: new Typed('com.example.Point', { x: 0, y: 3 }),
    }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    // amf has no reference (0x07).
    name: 'object references: shared and cyclic',
    json: '{"$id":1,"a":{"$id":2,"x":1.0},"b":{"$ref":2},"self":{"$ref":1},' +
      '"t":{"$id":3,"$class":"com.example.Person","age":1.0,"name":"A"},"u":{"$ref":3}}',
    value: () => {
      const root = {};
      const a = { x: 1 };
      const t = person(1, 'A');
      return Object.assign(root, { a, b: a, self: root, t, u: t });
    },
    peers: { royale: 'rw', 'bytearray-node': 'rw' },
  },
  {
    name: 'shared strict and ECMA arrays',
    json: '[{"$id":1,"$array":[1.0,2.0]},{"$ref":1},{"$id":2,"$ecma":{"0":"x"}},{"$ref":2}]',
    written: /* JS arrays are written as ECMA arrays */ '{"$ecma":{"0":{"$id":1,"$ecma":{"0":1.0,"1":2.0}},' +
      '"1":{"$ref":1},"2":{"$id":2,"$ecma":{"0":"x"}},"3":{"$ref":2}}}',
    value: () => {
      const strict = [1, 2];
      const ecma = ['x'];
      return [strict, strict, ecma, ecma];
    },
    peers: { royale: 'rw', 'bytearray-node': 'w' },
  },
  {
    // AMF0 references count objects, typed objects and arrays, not dates (the spec, Flash, BlazeDS).
    name: 'object reference after a date',
    json: '{"d":{"$date":"2005-03-18T01:58:31.000Z"},"a":{"$id":1,"x":1.0},"b":{"$ref":1}}',
    value: () => {
      const a = { x: 1 };
      return { d: date('2005-03-18T01:58:31.000Z'), a, b: a };
    },
    peers: { royale: 'RW', 'bytearray-node': 'RW' },
    bugs: {
      royale: 'puts AMF0 dates in the object reference table',
      'bytearray-node': 'puts AMF0 dates in the object reference table',
    },
  },
  {
    name: 'a list of records',
    json: '{"count":2.0,"records":[' +
      '{"id":1.0,"name":"Ann","active":true,"total":12.5,"due":{"$date":"2026-01-02T03:04:05.678Z"},"tags":["a","b"],"note":null},' +
      '{"id":2.0,"name":"Bob","active":false,"total":-3.25,"due":{"$date":"2026-02-03T04:05:06.789Z"},"tags":["b"],"note":"Ann"}]}',
    written: /* JS arrays are written as ECMA arrays */ '{"count":2.0,"records":{"$ecma":{' +
      '"0":{"id":1.0,"name":"Ann","active":true,"total":12.5,"due":{"$date":"2026-01-02T03:04:05.678Z"},"tags":{"$ecma":{"0":"a","1":"b"}},"note":null},' +
      '"1":{"id":2.0,"name":"Bob","active":false,"total":-3.25,"due":{"$date":"2026-02-03T04:05:06.789Z"},"tags":{"$ecma":{"0":"b"}},"note":"Ann"}}}}',
    value: () => ({
      count: 2,
      records: [
        { id: 1, name: 'Ann', active: true, total: 12.5, due: date('2026-01-02T03:04:05.678Z'), tags: ['a', 'b'], note: null },
        { id: 2, name: 'Bob', active: false, total: -3.25, due: date('2026-02-03T04:05:06.789Z'), tags: ['b'], note: 'Ann' },
      ],
    }),
    peers: { amf: 'r', royale: 'rw', 'bytearray-node': 'w' },
  },
  {
    // Only Royale reads the AVM+ marker; it then stays in AMF3 for the rest of the stream, so the
    // switch is only tested at the top level.
    name: 'AVM+ switch to AMF3 (0x11) at the top level',
    json: '{"$amf3":{"a":1,"v":{"$vector":"int","$items":[1,-2]},"s":["x","x"]}}',
    value: () => ({ a: 1, v: new Vector('int', [1, -2]), s: ['x', 'x'] }),
    peers: { royale: 'r' },
  },
  {
    name: 'AVM+ switch (0x11) inside an object, followed by an AMF0 member',
    json: '{"a":{"$amf3":1},"b":"x"}',
    value: () => ({ a: 1, b: 'x' }),
    peers: { royale: 'R' },
    bugs: { royale: 'stays in AMF3 after the first 0x11 instead of for one value' },
  },
];

const CASES = [
  ...AMF3.map((c) => ({ ...c, format: 'amf3' })),
  ...AMF0.map((c) => ({ ...c, format: 'amf0' })),
];

// Generated graphs (lib/generate.js, fixed seeds): the peer writes each, we decode it to JSON and
// encode that JSON again, the peer reads our bytes and must get the graph back. Only node kinds the
// peer handles correctly; AMF0 graphs share nodes but hold no dates (see the date reference bug).
const SCALARS = ['number', 'string', 'boolean', 'null', 'undefined'];
const ROUND_TRIPS = [
  {
    peer: 'royale', format: 'amf3', seed: 1, count: 150, share: 0.15,
    kinds: [...SCALARS, 'date', 'bytes', 'array', 'mixedArray', 'object', 'person', 'tagged', 'collection',
      'signedIntVector', 'objectVector'],
  },
  { peer: 'royale', format: 'amf0', seed: 2, count: 100, share: 0.15, kinds: [...SCALARS, 'array', 'object', 'person', 'point'] },
  {
    // No null or undefined (holes in its arrays), no mixed arrays (string table), ByteArrays never shared.
    peer: 'bytearray-node', format: 'amf3', seed: 3, count: 100, share: 0.15,
    kinds: ['number', 'string', 'boolean', 'date', 'bytes', 'array', 'object', 'intVector'], unshared: ['bytes'],
  },
  {
    peer: 'bytearray-node', format: 'amf0', seed: 4, count: 100, share: 0.15,
    kinds: ['number', 'string', 'boolean', 'array', 'object', 'person', 'point'],
  },
];

module.exports = { CASES, CLASSES, ROUND_TRIPS };
