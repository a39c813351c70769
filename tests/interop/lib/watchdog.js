'use strict';
// Ends this process when one check runs too long. Peers decode synchronously, and one given bad
// bytes can loop for a very long time (Royale reads a huge declared length element by element past
// the end of its input); such a loop cannot be interrupted from the main thread, so a worker thread
// watches it and, after `seconds`, reports the check and the counts so far, then kills the process.

const { Worker } = require('worker_threads');

const LABEL_BYTES = 1024;

function startWatchdog(seconds) {
  const state = new Int32Array(new SharedArrayBuffer(4 * 4));  // [generation, passed, failed, label length]
  const label = new Uint8Array(new SharedArrayBuffer(LABEL_BYTES));
  const worker = new Worker(`
    const { workerData: { state, label, seconds } } = require('worker_threads');
    const fs = require('fs');
    const tick = new Int32Array(new SharedArrayBuffer(4));
    let seen = -1;
    let since = Date.now();
    for (;;) {
      Atomics.wait(tick, 0, 0, 1000);
      const generation = Atomics.load(state, 0);
      if (generation !== seen) {
        seen = generation;
        since = Date.now();
      } else if (generation > 0 && Date.now() - since > seconds * 1000) {
        const text = Buffer.from(label.slice(0, Atomics.load(state, 3))).toString();
        fs.writeSync(1, 'FAIL ' + text + '\\n       did not finish within ' + seconds + ' s (a peer looping on bad bytes?)\\n' +
          Atomics.load(state, 1) + ' passed, ' + (Atomics.load(state, 2) + 1) + ' failed\\n');
        process.kill(process.pid, 'SIGKILL');
      }
    }
  `, { eval: true, workerData: { state, label, seconds } });
  worker.unref();
  return {
    // Called before each check, with the counts so far.
    begin(text, passed, failed) {
      const bytes = Buffer.from(text).subarray(0, LABEL_BYTES);
      label.set(bytes);
      Atomics.store(state, 3, bytes.length);
      Atomics.store(state, 1, passed);
      Atomics.store(state, 2, failed);
      Atomics.add(state, 0, 1);
    },
  };
}

module.exports = { startWatchdog };
