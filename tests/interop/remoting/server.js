'use strict';
// Starts `amphora serve --port 0` on 127.0.0.1, waits for its `listening on http://HOST:PORT` line,
// and stops it: SIGTERM (graceful) and its exit status, or SIGKILL if it does not exit in time.
// The server is also killed when this process exits for any reason (see also guard.js).

const { spawn } = require('child_process');
const { expect } = require('../lib/checks');

// `args`: more `amphora serve` arguments (e.g. --cors-origins).
function startServer(amphora, { startSeconds = 10, args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(amphora, ['serve', '--host', '127.0.0.1', '--port', '0', '--threads', '2', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = { child, pid: child.pid, stdout: '', stderr: '', exited: null };
    const killAtExit = () => {
      if (server.exited === null) child.kill('SIGKILL');
    };
    process.on('exit', killAtExit);
    const timer = setTimeout(() => fail(`no 'listening on' line within ${startSeconds} s`), startSeconds * 1000);
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`amphora serve did not start: ${why}\nstdout:\n${server.stdout}\nstderr:\n${server.stderr}`));
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      server.stdout += text;
      const m = /^listening on (http:\/\/[^\s/]+)$/m.exec(server.stdout);
      if (m && !server.url) {
        clearTimeout(timer);
        server.url = m[1];
        resolve(server);
      }
    });
    child.stderr.on('data', (text) => { server.stderr += text; });
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code, signal) => {
      server.exited = { code, signal };
      process.removeListener('exit', killAtExit);
      if (!server.url) fail(`it exited (${signal || `code ${code}`})`);
    });
  });
}

// Resolves to {code, signal, killed}: killed = it had to be SIGKILLed after `graceSeconds`.
function stopServer(server, { graceSeconds = 10 } = {}) {
  return new Promise((resolve) => {
    if (server.exited) return resolve({ ...server.exited, killed: false });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      server.child.kill('SIGKILL');
    }, graceSeconds * 1000);
    server.child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, killed });
    });
    server.child.kill('SIGTERM');
  });
}

// A test run's server (run.js, ../browser/run.js): started with `guard` (./guard.js) knowing its pid,
// so that the run's deadline kills it too.
async function startRunServer(amphora, guard, startOptions) {
  const server = await startServer(amphora, startOptions);
  guard.setServerPid(server.pid);
  return server;
}

// Stops a server of startRunServer and checks that it stopped gracefully; prints the end of its log
// when any check of the run failed. `checks`: what ../lib/checks.js createChecks returned.
async function stopRunServer(server, guard, checks) {
  const stopped = await stopServer(server);
  guard.setServerPid(0);
  await checks.check('server stops gracefully on SIGTERM (exit 0)', () => {
    const how = `${stopped.killed ? 'killed after not stopping; ' : ''}exit ${stopped.signal || stopped.code}`;
    expect(!stopped.killed && stopped.code === 0, `${how}\n${server.stderr.slice(-2000)}`);
  });
  if (checks.counts.failed > 0) {
    console.log(`server log (stderr, last lines):\n${server.stderr.split('\n').slice(-15).join('\n')}`);
  }
}

module.exports = { startServer, stopServer, startRunServer, stopRunServer };
