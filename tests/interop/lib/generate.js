'use strict';
// Deterministic random value graphs in the neutral form of lib/model.js, for the round trips
// "peer writes -> we decode -> we encode -> peer reads". Each peer says which kinds of node it
// handles correctly (`kinds`) and whether nodes may be shared (`share`, which also makes cycles:
// a container is shareable from the moment it is created, so its own members can point back at it).

const { Typed, Vector, External } = require('./model');

function random(seed) {
  let state = seed >>> 0;
  const next = () => {  // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (list) => list[next.int(list.length)];
  return next;
}

const NUMBERS = [0, 1, -1, 127, 128, 16384, 268435455, -268435456, 268435456, 2 ** 31, -(2 ** 40), 0.5, -0.1, 1e300, NaN, Infinity, -Infinity];
const STRINGS = ['', 'a', 'abc', 'héllo', '世界', '😀', 'x'.repeat(300), 'key', 'n'];
const KEYS = ['a', 'b', 'key', 'n', 'clé', '$x', 'long_member_name'];

// Leaf and container makers; each container maker registers its node with `own` before its members.
const MAKERS = {
  number: (r) => (r() < 0.5 ? r.int(2000) - 1000 : r.pick(NUMBERS)),
  string: (r) => r.pick(STRINGS),
  boolean: (r) => r() < 0.5,
  null: () => null,
  undefined: () => undefined,
  date: (r, own) => own(new Date(r.int(4e12) - 1e12)),
  bytes: (r, own) => own(Uint8Array.from({ length: 1 + r.int(5) }, () => r.int(256))),
  array: (r, own, child) => {
    const a = own([]);
    for (let n = r.int(4); n > 0; n--) a.push(child());
    return a;
  },
  mixedArray: (r, own, child) => {
    const a = own([]);
    for (let n = r.int(3); n > 0; n--) a.push(child());
    a[`k${r.int(3)}`] = child();
    return a;
  },
  object: (r, own, child) => {
    const o = own({});
    for (let n = r.int(4); n > 0; n--) o[r.pick(KEYS)] = child();
    return o;
  },
  person: (r, own) => own(new Typed('com.example.Person', { age: r.int(100), name: r.pick(['A', 'Béa', 'x']) })),
  point: (r, own) => own(new Typed('com.example.Point', { x: r.pick([0.5, -2, 1e-3]), y: r.int(10) })),
  tagged: (r, own, child) => {
    const t = own(new Typed('com.example.Tagged', { id: r.int(100) }));
    if (r() < 0.5) t.members.extra = child();
    return t;
  },
  collection: (r, own, child) => {
    const c = own(new External('flex.messaging.io.ArrayCollection', null));
    c.value = [child(), child()];
    return c;
  },
  intVector: (r, own) => own(new Vector('int', Array.from({ length: r.int(4) }, () => r.int(2 ** 31)))),
  signedIntVector: (r, own) => own(new Vector('int', Array.from({ length: r.int(4) }, () => r.int(2 ** 32) - 2 ** 31))),
  objectVector: (r, own) => own(new Vector('object', Array.from({ length: r.int(3) }, () => r.pick(STRINGS)))),
};

const LEAVES = new Set(['number', 'string', 'boolean', 'null', 'undefined', 'date', 'bytes', 'person', 'point', 'intVector', 'signedIntVector', 'objectVector']);

// Returns `count` graphs built from `kinds` (names of MAKERS), reproducible from `seed`.
// `share`: the chance that a member is a node made earlier in the same graph; `unshared`: kinds
// that are never reused (where the peer writes a second occurrence in full).
function generate({ seed, count, kinds, share = 0, unshared = [] }) {
  const r = random(seed);
  const leaves = kinds.filter((k) => LEAVES.has(k));
  const containers = kinds.filter((k) => !LEAVES.has(k));
  const graphs = [];
  for (let g = 0; g < count; g++) {
    const shared = [];
    const node = (depth) => {
      if (shared.length && r() < share) return r.pick(shared);
      const leaf = depth > 0 && (depth >= 3 || r() < 0.4);
      const kind = leaf ? r.pick(leaves) : r.pick(containers);
      const own = (n) => {
        if (!unshared.includes(kind)) shared.push(n);
        return n;
      };
      return MAKERS[kind](r, own, () => node(depth + 1));
    };
    graphs.push(node(0));
  }
  return graphs;
}

module.exports = { generate };
