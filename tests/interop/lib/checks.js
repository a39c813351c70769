'use strict';
// Named checks for the runs against `amphora serve` (remoting/run.js, browser/run.js): each check
// passes or fails with a message; failures are printed at once (every check with `verbose`), and the
// counts are kept in the run's guard so that a run killed at its deadline still reports them.

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// JSON of a value for messages: non-finite numbers spelled out, cycles cut.
function show(value) {
  const seen = new Set();
  return JSON.stringify(value, (k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '<cycle>';
      seen.add(v);
    }
    return v;
  });
}

function createChecks({ verbose, guard }) {
  const counts = { passed: 0, failed: 0 };

  function record(name, error) {
    if (error) counts.failed++;
    else counts.passed++;
    guard.setCounts(counts.passed, counts.failed);
    if (error) console.log(`FAIL ${name}\n       ${String(error.message || error).replace(/\n/g, '\n       ')}`);
    else if (verbose) console.log(`ok   ${name}`);
  }

  async function check(name, body) {
    try {
      await body();
      record(name, null);
    } catch (e) {
      record(name, e);
    }
  }

  return { counts, record, check };
}

module.exports = { createChecks, expect, show };
