'use strict';
// A deadline for the whole run that holds even when the main thread is stuck in a synchronous loop
// (Royale's decoder can loop for a very long time on bad bytes): a worker thread waits `seconds`,
// then SIGKILLs the registered server process (and the browser's process group, if one is registered:
// ../browser/run.js), prints the counts so far and kills this process.

const { Worker } = require('worker_threads');

function startGuard(seconds) {
  const state = new Int32Array(new SharedArrayBuffer(4 * 4));  // [server pid, passed, failed, browser pid]
  const worker = new Worker(`
    const { workerData: { state, seconds } } = require('worker_threads');
    const fs = require('fs');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
    const pid = Atomics.load(state, 0);
    if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch (e) {} }
    const browser = Atomics.load(state, 3);
    if (browser > 0) { try { process.kill(-browser, 'SIGKILL'); } catch (e) {} }
    fs.writeSync(1, 'FAIL the run did not finish within ' + seconds + ' s (server ' +
      (pid > 0 ? pid + ' killed' : 'not started') + ')\\n' +
      Atomics.load(state, 1) + ' passed, ' + (Atomics.load(state, 2) + 1) + ' failed\\n');
    process.kill(process.pid, 'SIGKILL');
  `, { eval: true, workerData: { state, seconds } });
  worker.unref();
  return {
    setServerPid(pid) { Atomics.store(state, 0, pid || 0); },
    // The browser is started in its own process group (playwright does so); the group is killed.
    setBrowserPid(pid) { Atomics.store(state, 3, pid || 0); },
    setCounts(passed, failed) {
      Atomics.store(state, 1, passed);
      Atomics.store(state, 2, failed);
    },
  };
}

module.exports = { startGuard };
