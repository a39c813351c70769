'use strict';
// Debian's headless Chromium driven by playwright-core (which downloads no browser): finding the
// executable, starting it in its own process group (so that the run's guard can kill it and all its
// children), and recording every HTTP exchange a page has with a given origin.

const fs = require('fs');
const path = require('path');

// Real binaries first (/usr/bin/chromium* are shell scripts that run them), then names on PATH.
const CANDIDATES = [
  '/usr/lib/chromium/chromium-headless-shell',  // Debian package chromium-headless-shell
  '/usr/lib/chromium/chromium',  // Debian package chromium
];
const NAMES = ['chromium-headless-shell', 'chromium', 'chrome-headless-shell', 'google-chrome'];

// The Chromium to use: `explicit` (--browser), else $AMPHORA_CHROMIUM, else the first found; null if none.
function findChromium(explicit) {
  const executable = (file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch (e) {
      return false;
    }
  };
  const wanted = explicit || process.env.AMPHORA_CHROMIUM;
  if (wanted) return executable(wanted) ? wanted : null;
  const dirs = (process.env.PATH || '').split(':').filter(Boolean);
  const onPath = NAMES.flatMap((name) => dirs.map((dir) => path.join(dir, name)));
  return [...CANDIDATES, ...onPath].find(executable) || null;
}

// Resolves to {browser, pid, close()}: a playwright Browser connected to a Chromium of its own.
async function startChromium(executablePath) {
  const { chromium } = require('playwright-core');
  const server = await chromium.launchServer({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const pid = server.process().pid;
  const browser = await chromium.connect(server.wsEndpoint());
  return {
    browser,
    pid,
    version: browser.version(),
    async close() {
      await browser.close().catch(() => {});
      await server.close().catch(() => server.kill());
    },
  };
}

// Records the page's finished (or failed) requests to `origin` into `exchanges`, in completion
// order: {url, method, status, requestHeaders, responseHeaders, request: Buffer, response: Buffer,
// sentAt (ms, page clock), failure}.
function recordExchanges(page, origin, exchanges, label) {
  const add = async (request, failure) => {
    if (!request.url().startsWith(origin)) return;
    const response = failure ? null : await request.response();
    const timing = request.timing();
    exchanges.push({
      page: label,
      url: request.url(),
      method: request.method(),
      status: response ? response.status() : 0,
      requestHeaders: await request.allHeaders(),
      responseHeaders: response ? await response.allHeaders() : {},
      request: request.postDataBuffer() || Buffer.alloc(0),
      response: response ? await response.body().catch(() => Buffer.alloc(0)) : Buffer.alloc(0),
      sentAt: timing.startTime,
      failure,
    });
  };
  const pending = new Set();
  const track = (promise) => {
    pending.add(promise);
    promise.finally(() => pending.delete(promise));
  };
  page.on('requestfinished', (request) => track(add(request, null)));
  page.on('requestfailed', (request) => track(add(request, request.failure() ? request.failure().errorText : 'failed')));
  // Resolves once every exchange that finished so far is recorded.
  return () => Promise.all([...pending]);
}

module.exports = { findChromium, startChromium, recordExchanges };
