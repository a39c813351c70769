'use strict';
// The test page's web server: node's http on 127.0.0.1, port 0. It serves
//   /           the page: two scripts
//   /royale.js  Royale's compiled JS, read out of the npm package's SWCs (../lib/royale-loader.js),
//               evaluated in order after what Closure's base.js must find first (no deps.js, no debug
//               loader), then registerClassAlias for the Flex message classes (../remoting/flex.js)
//   /page.js    ./page.js, the API run.js drives
// and nothing else. The AMF endpoints are on `amphora serve`, another origin: Chromium sends
// them CORS preflights, and the server must allow this page's origin (--cors-origins).

const fs = require('fs');
const http = require('http');
const path = require('path');
const { royaleScripts, CLOSURE_GLOBALS, ENTRY_POINTS } = require('../lib/royale-loader');
const { registerFlexAliases, FLEX_CLASSES, FLEX_SWCS, FLEX_ALIASES } = require('../remoting/flex');

// Royale's Flex messaging client on top of what the remoting test loads.
const MESSAGING_CLASSES = [
  'mx.messaging.Consumer',
  'mx.messaging.Producer',
  'mx.messaging.events.MessageEvent',
  'mx.messaging.events.MessageAckEvent',
  'mx.messaging.events.MessageFaultEvent',
  'mx.messaging.events.ChannelFaultEvent',
];

// Royale's files as one script: each file's text is evaluated at global scope, in order, as a
// script of its own (indirect eval, named by sourceURL for stack traces): what the browser would
// do with one <script> tag per file, in one request instead of ~240.
function royaleBundle() {
  const scripts = royaleScripts({ swcs: FLEX_SWCS, entryPoints: [...ENTRY_POINTS, ...FLEX_CLASSES, ...MESSAGING_CLASSES] });
  const evals = scripts.map((script) => {
    const name = `royale/${script.name.replace(/^.*\/(?=[^/]+\.swc:)/, '').replace(/^.*\/closure\//, 'closure/')}`;
    return `(0, eval)(${JSON.stringify(`${script.text}\n//# sourceURL=${name}`)});`;
  });
  return `Object.assign(window, ${JSON.stringify(CLOSURE_GLOBALS)});\n${evals.join('\n')}\n` +
    `(${registerFlexAliases})(window, ${JSON.stringify(FLEX_ALIASES)});\n` +
    'org.apache.royale.net.remoting.amf.AMFBinaryData.verboseLogging = false;\n';
}

function pageFiles() {
  const js = (text) => ({ type: 'text/javascript; charset=utf-8', text });
  return new Map([
    ['/', {
      type: 'text/html; charset=utf-8',
      text: '<!doctype html>\n<meta charset="utf-8">\n<title>Royale messaging against amphora serve</title>\n' +
        '<link rel="icon" href="data:,">\n' +  // no favicon request
        '<script src="/royale.js"></script>\n<script src="/page.js"></script>\n',
    }],
    ['/royale.js', js(royaleBundle())],
    ['/page.js', js(fs.readFileSync(path.join(__dirname, 'page.js'), 'utf8'))],
  ]);
}

// Resolves to {url, close()} once listening.
function startSite() {
  const files = pageFiles();
  const server = http.createServer((req, res) => {
    const file = req.method === 'GET' ? files.get(req.url) : undefined;
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store' });
    res.end(file.text);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(done);
        }),
      });
    });
  });
}

module.exports = { startSite };
