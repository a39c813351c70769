#!/usr/bin/env node
'use strict';
// Messaging interop test in a browser (ctest `interop_royale_browser`, label interop; ../README.md
// "Messaging in Chromium"):
//   node browser/run.js --amphora PATH [--browser CHROMIUM] [--messages N] [--seconds S] [--verbose]
// Starts `amphora serve --port 0` on 127.0.0.1 (allowing the test page's origin with --cors-origins)
// and a page server (./site.js), opens two pages in Debian's headless Chromium (playwright-core) and
// drives Apache Royale's Flex messaging client in them (./page.js): one page over a polling
// AMFChannel (/messagebroker/amfpolling), the other over long-polling (/messagebroker/amflongpolling).
// Each page subscribes two Consumers to destination `chat` (subtopic room.lobby with a selector, and
// the wildcard room.*) and publishes numbered messages with Producers; a few more are published from
// outside the browser (AMF bytes from `amphora encode`, POSTed by node). Checks that every Consumer
// gets exactly what its subscription selects, once and in order per publisher, that unsubscribing
// stops delivery, that a RemoteObject works in the page too, and every exchange on the wire (decoded
// by Royale's own reader). Prints failures (every check with --verbose), then "N passed, M failed";
// exits 1 on any failure, and when no Chromium is found. Server, page server and browser are always
// stopped; after S seconds (60) everything is killed and the run fails.

process.env.TZ = 'UTC';

const crypto = require('crypto');
const http = require('http');
const { amphora: amphoraCli } = require('../lib/amphora');
const { createChecks, expect, show } = require('../lib/checks');
const { startRunServer, stopRunServer } = require('../remoting/server');
const { startGuard } = require('../remoting/guard');
const { readPacket } = require('../remoting/flex');
const { startSite } = require('./site');
const { findChromium, startChromium, recordExchanges } = require('./chromium');

const WAIT_SECONDS = 15;  // for one step: a page load, a subscription, the messages of a phase
const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;
const DESTINATION = 'chat';
const LOBBY = 'room.lobby';
const OTHER = 'room.other';
const SELECTOR = "kind = 'chat'";
const OUTSIDE = 'outside';
const OP = { SUBSCRIBE: 0, UNSUBSCRIBE: 1, POLL: 2, CLIENT_SYNC: 4, CLIENT_PING: 5, DISCONNECT: 12 };

// The two pages: which endpoint their AMFChannel polls, and how often.
const PAGES = [
  { name: 'polling', path: '/messagebroker/amfpolling', pollingInterval: 100 },
  { name: 'longpolling', path: '/messagebroker/amflongpolling', pollingInterval: 0 },
];
// The two Consumers of each page: what they subscribe to, and which published streams they select.
const CONSUMERS = [
  { name: 'selective', subtopic: LOBBY, selector: SELECTOR, selects: (m) => m.stream === 'lobby' },
  { name: 'wildcard', subtopic: 'room.*', selector: null, selects: () => true },
];

function usage(message) {
  if (message) console.error(`browser/run.js: ${message}`);
  console.error('usage: node browser/run.js --amphora PATH [--browser CHROMIUM] [--messages N] [--seconds S] [--verbose]');
  process.exit(2);
}

function parseArgs(argv) {
  const options = { seconds: 60, messages: 20, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    if (arg === '--amphora') options.amphora = next();
    else if (arg === '--browser') options.browser = next();
    else if (arg === '--messages') options.messages = Number(next());
    else if (arg === '--seconds') options.seconds = Number(next());
    else if (arg === '--verbose') options.verbose = true;
    else usage(`unknown argument ${arg}`);
  }
  if (!options.amphora) usage('--amphora is required');
  if (!(options.seconds > 0)) usage('--seconds must be positive');
  if (!(Number.isInteger(options.messages) && options.messages >= 4)) usage('--messages must be an integer >= 4');
  return options;
}

const options = parseArgs(process.argv.slice(2));
const guard = startGuard(options.seconds);
const { counts, record, check } = createChecks({ verbose: options.verbose, guard });

// ---- what is published ---------------------------------------------------------------------------

// A published message as the test sees it: its headers say who sent it, in which stream, its number
// in that stream and its kind (what the selector looks at); the body repeats them with some text.
function message(from, stream, seq) {
  const kind = stream === 'noise' ? 'noise' : 'chat';
  return {
    body: { from, stream, seq, text: `${stream} #${seq} from ${from}: héllo ✓ 世界` },
    headers: { from, stream, seq, kind },
  };
}

// What one page publishes: per Producer, the messages in order. The lobby Producer mixes in a
// message of kind 'noise' (which the selector refuses) after every 4th chat message; the other
// Producer publishes on room.other (which only the wildcard subtopic matches).
function publications(from, n) {
  const lobby = [];
  let noise = 0;
  for (let i = 0; i < n; i++) {
    lobby.push(message(from, 'lobby', i));
    if (i % 4 === 3) lobby.push(message(from, 'noise', noise++));
  }
  const other = Array.from({ length: Math.floor(n / 4) }, (_, i) => message(from, 'other', i));
  return { lobby, other };
}

// The streams a Consumer must have received, in order per (from, stream), from the messages sent.
function expectedFor(consumer, sent) {
  return sent.filter((m) => consumer.selects(m.headers));
}

// Checks that `received` (plain messages from page.js) is exactly `expected`, counted per
// (from, stream) and in order within each, for the Consumer with subscription id `clientId`.
function expectReceived(received, expected, clientId) {
  const key = (h) => `${h.from}/${h.stream}`;
  const want = new Map();
  for (const m of expected) want.set(key(m.headers), [...(want.get(key(m.headers)) || []), m.headers.seq]);
  const got = new Map();
  for (const m of received) {
    expect(m.className === 'mx.messaging.messages.AsyncMessage', `received a ${m.className}: ${show(m)}`);
    expect(m.clientId === clientId, `message ${show(m.headers)} has clientId ${m.clientId}, not the Consumer's ${clientId}`);
    expect(m.destination === DESTINATION, `message ${show(m.headers)} has destination ${show(m.destination)}`);
    const { from, stream, seq } = m.headers;
    const sent = message(from, stream, seq);
    expect(JSON.stringify(m.body) === JSON.stringify(sent.body), `body ${show(m.body)}, sent ${show(sent.body)}`);
    expect(m.headers.kind === sent.headers.kind, `header kind ${show(m.headers.kind)}, sent ${sent.headers.kind}`);
    expect(m.headers.DSSubtopic === (stream === 'other' ? OTHER : LOBBY), `DSSubtopic ${show(m.headers.DSSubtopic)}`);
    got.set(key(m.headers), [...(got.get(key(m.headers)) || []), seq]);
  }
  for (const [k, seqs] of want) {
    expect(show(got.get(k) || []) === show(seqs), `${k}: received #${show(got.get(k) || [])}, expected #${show(seqs)}`);
  }
  for (const k of got.keys()) expect(want.has(k), `${k}: received #${show(got.get(k))}, expected none`);
}

// Publishes from outside the browser: the AsyncMessage as Flash would send it (an AMF0 body holding
// the AVM+ switch and the AMF3 message), encoded by `amphora encode --packet`, POSTed by node to
// /messagebroker/amf without a DSId. Resolves with the ack, decoded by Royale's reader.
function publishFromOutside(server, m) {
  const messageId = crypto.randomUUID().toUpperCase();
  const packet = {
    version: 3,
    headers: [],
    bodies: [{
      target: 'null',
      response: '/1',
      value: [{
        $amf3: {
          $class: 'flex.messaging.messages.AsyncMessage',
          body: m.body,
          clientId: null,
          correlationId: '',
          destination: DESTINATION,
          headers: { ...m.headers, DSSubtopic: LOBBY },
          messageId,
          timeToLive: 0,
          timestamp: Date.now(),
        },
      }],
    }],
  };
  const bytes = amphoraCli(options.amphora).encode('packet', JSON.stringify(packet));
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}/messagebroker/amf`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amf', 'Content-Length': bytes.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          expect(res.statusCode === 200, `HTTP ${res.statusCode}`);
          const ack = readPacket(Buffer.concat(chunks)).bodies[0].data;
          expect(ack && ack.correlationId === messageId, `answered by ${show(ack)}`);
          expect(!ack.faultCode, `fault ${ack.faultCode}: ${ack.faultString}`);
          resolve(ack);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.setTimeout(WAIT_SECONDS * 1000, () => req.destroy(new Error(`no answer within ${WAIT_SECONDS} s`)));
    req.on('error', reject);
    req.end(bytes);
  });
}

// ---- the run -------------------------------------------------------------------------------------

const exchanges = [];  // every HTTP exchange of the pages with amphora serve, in completion order
const pageErrors = [];  // uncaught exceptions and console errors of the pages

async function openPage(browser, site, server, spec) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_SECONDS * 1000);
  page.on('pageerror', (e) => pageErrors.push(`${spec.name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`${spec.name}: console: ${m.text()}`);
  });
  const flushed = recordExchanges(page, server.url, exchanges, spec.name);
  await page.goto(`${site.url}/`);
  await page.waitForFunction(() => window.flexTest !== undefined);
  await page.evaluate((s) => window.flexTest.channel(s), {
    id: `${spec.name}-amf`, url: `${server.url}${spec.path}`, pollingInterval: spec.pollingInterval,
  });
  return { ...spec, page, flushed, consumers: {}, received: {} };
}

async function run(browser, site, server) {
  const pages = [];
  await check('the page loads Royale\'s Flex messaging classes (MXRoyaleBaseJS) in Chromium', async () => {
    for (const spec of PAGES) pages.push(await openPage(browser, site, server, spec));
    expect(pageErrors.length === 0, pageErrors.join('\n'));
  });
  if (pages.length !== PAGES.length) return;

  // Subscribe: each page's ChannelSet connects (CLIENT_PING) with its first Consumer.
  for (const p of pages) {
    for (const c of CONSUMERS) {
      await check(`${p.name}: Consumer ${c.name} subscribes to ${DESTINATION} (subtopic ${c.subtopic}` +
        `${c.selector ? `, selector ${c.selector}` : ''})`, async () => {
        const r = await p.page.evaluate(([name, s]) => window.flexTest.subscribe(name, s),
          [c.name, { destination: DESTINATION, subtopic: c.subtopic, selector: c.selector }]);
        expect(UUID.test(r.clientId), `subscription id ${show(r.clientId)}`);
        expect(r.connected, 'the ChannelSet is not connected');
        expect(UUID.test(r.dsId), `RoyaleClient id ${show(r.dsId)}`);
        p.consumers[c.name] = r.clientId;
        p.dsId = r.dsId;
      });
    }
  }
  await check('each page is its own FlexClient, each Consumer has its own subscription id', () => {
    const ids = pages.flatMap((p) => Object.values(p.consumers));
    expect(ids.length === 4 && new Set(ids).size === 4, `subscription ids ${show(ids)}`);
    expect(pages[0].dsId !== pages[1].dsId, `both pages have DSId ${pages[0].dsId}`);
  });

  // Publish: both pages at once, each message after the previous one's ack; then from outside.
  const sent = [];
  await check(`Producers publish ${options.messages} numbered messages per page (and decoys), every one acknowledged`,
    async () => {
      const outcomes = await Promise.all(pages.map(async (p) => {
        const { lobby, other } = publications(p.name, options.messages);
        await p.page.evaluate(([d]) => {
          window.flexTest.producer('lobby', { destination: d.destination, subtopic: d.lobby });
          window.flexTest.producer('other', { destination: d.destination, subtopic: d.other });
        }, [{ destination: DESTINATION, lobby: LOBBY, other: OTHER }]);
        const acks = [
          ...await p.page.evaluate(([items]) => window.flexTest.publish('lobby', items), [lobby]),
          ...await p.page.evaluate(([items]) => window.flexTest.publish('other', items), [other]),
        ];
        sent.push(...lobby, ...other);
        return { name: p.name, acks };
      }));
      for (const { name, acks } of outcomes) {
        expect(acks.length > options.messages && acks.every(Boolean), `${name}: acks correlate: ${show(acks)}`);
      }
    });
  const outside = Array.from({ length: 3 }, (_, i) => message(OUTSIDE, 'lobby', i));
  await check('messages published from outside the browser (amphora encode, POST /messagebroker/amf) are acknowledged',
    async () => {
      for (const m of outside) {
        await publishFromOutside(server, m);
        sent.push(m);
      }
    });

  for (const p of pages) {
    for (const c of CONSUMERS) {
      await check(`${p.name}: Consumer ${c.name} receives exactly the messages it selects, once, in order per publisher`,
        async () => {
          const expected = expectedFor(c, sent);
          const r = await p.page.evaluate(([name, n, ms]) => window.flexTest.received(name, n, ms),
            [c.name, expected.length, WAIT_SECONDS * 1000]);
          expect(r.faults.length === 0, `faults: ${r.faults.join('; ')}`);
          expectReceived(r.received, expected, p.consumers[c.name]);
          p.received[c.name] = r.received.length;
        });
    }
  }

  // Unsubscribe the selective Consumers; one more message from outside reaches only the wildcards.
  for (const p of pages) {
    await check(`${p.name}: Consumer selective unsubscribes`, async () => {
      const r = await p.page.evaluate(() => window.flexTest.unsubscribe('selective'));
      expect(!r.subscribed && r.clientId == null, `after unsubscribe: ${show(r)}`);
    });
  }
  const last = message(OUTSIDE, 'lobby', outside.length);
  await check('after unsubscribing: a new message reaches the wildcard Consumers and not the selective ones', async () => {
    await publishFromOutside(server, last);
    sent.push(last);
    for (const p of pages) {
      const wildcard = await p.page.evaluate(([n, ms]) => window.flexTest.received('wildcard', n, ms),
        [p.received.wildcard + 1, WAIT_SECONDS * 1000]);
      expect(wildcard.received.length === p.received.wildcard + 1, `${p.name}: the wildcard Consumer has ` +
        `${wildcard.received.length} messages, expected ${p.received.wildcard + 1}`);
      expectReceived(wildcard.received, expectedFor(CONSUMERS[1], sent), p.consumers.wildcard);
      // The message was queued for this page's FlexClient at once for every Consumer that matched:
      // had the selective one still matched, it would have come in the same poll.
      const selective = await p.page.evaluate(() => window.flexTest.received('selective'));
      expect(selective.received.length === p.received.selective, `${p.name}: the unsubscribed Consumer got ` +
        `${selective.received.length - p.received.selective} more messages`);
    }
  });

  await check('RemoteObject in Chromium: EchoService.echo and add over /messagebroker/amf', async () => {
    const url = `${server.url}/messagebroker/amf`;
    const value = { text: 'héllo ✓ 世界 🎉', list: [1, 2.5, true, null], nested: { ok: true } };
    const echo = await pages[0].page.evaluate(([u, v]) => window.flexTest.call('EchoService', u, 'echo', [v]), [url, value]);
    expect(echo.ok && show(echo.result) === show(value), `echo: ${show(echo)}`);
    const add = await pages[0].page.evaluate(([u]) => window.flexTest.call('EchoService', u, 'add', [2, 3]), [url]);
    expect(add.ok && add.result === 5, `add(2, 3): ${show(add)}`);
  });

  for (const p of pages) {
    await check(`${p.name}: ChannelSet.disconnectAll() sends DISCONNECT, acknowledged`, async () => {
      const before = exchanges.length;
      await p.page.evaluate(() => window.flexTest.disconnect());
      const deadline = Date.now() + WAIT_SECONDS * 1000;
      const found = () => exchanges.slice(before)
        .find((x) => x.page === p.name && commands(x.request).includes(OP.DISCONNECT));
      while (!found() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const x = found();
      expect(x, 'no DISCONNECT exchange');
      const reply = messages(x.response)[0];
      expect(reply && reply.ROYALE_CLASS_INFO.names[0].name.startsWith('AcknowledgeMessage'), `answered by ${show(reply)}`);
    });
  }

  for (const p of pages) await p.flushed();
  await check('no page error (uncaught exception, console error such as a CORS refusal)', () => {
    expect(pageErrors.length === 0, pageErrors.join('\n'));
  });
  checkWire(pages, site, server, sent);
}

// ---- the wire ------------------------------------------------------------------------------------

function decode(bytes) {
  try {
    return readPacket(bytes);
  } catch (e) {
    return null;
  }
}
function messages(bytes) {
  const packet = decode(bytes);
  return packet ? packet.bodies.map((b) => (Array.isArray(b.data) ? b.data[0] : b.data)) : [];
}
function commands(bytes) {
  return messages(bytes).filter((m) => className(m).startsWith('CommandMessage')).map((m) => m.operation);
}
function className(m) {
  return m && m.ROYALE_CLASS_INFO ? m.ROYALE_CLASS_INFO.names[0].name : String(show(m));
}

function checkWire(pages, site, server, sent) {
  check('wire: every exchange is POST -> HTTP 200 application/x-amf with Access-Control-Allow-Origin of the page', () => {
    expect(exchanges.length > 0, 'no exchanges recorded');
    for (const x of exchanges) {
      const what = `${x.page} ${x.method} ${x.url}`;
      expect(!x.failure, `${what}: ${x.failure}`);
      expect(x.method === 'POST' && x.status === 200, `${what}: HTTP ${x.status}`);
      const type = x.responseHeaders['content-type'];
      expect(String(type).includes('application/x-amf'), `${what}: Content-Type ${type}`);
      expect(x.responseHeaders['access-control-allow-origin'] === site.url,
        `${what}: Access-Control-Allow-Origin ${show(x.responseHeaders['access-control-allow-origin'])}`);
      expect(decode(x.request) && decode(x.response), `${what}: Royale cannot read the bytes`);
    }
  });

  check('wire: Chromium sent a CORS preflight (OPTIONS) for each endpoint, answered 200 (server log)', () => {
    for (const path of [...pages.map((p) => p.path), '/messagebroker/amf']) {
      expect(new RegExp(` OPTIONS ${path} 200 `).test(server.stderr), `no 'OPTIONS ${path} 200' in the server log`);
    }
  });

  for (const p of pages) {
    const mine = exchanges.filter((x) => x.page === p.name && x.url === `${server.url}${p.path}`);
    const polls = mine.filter((x) => commands(x.request).includes(OP.POLL));
    check(`wire (${p.name}): polls go to ${p.path} with the page's DSId; answered by CLIENT_SYNC with its ` +
      'Consumers\' messages, or an ack', () => {
      expect(polls.length > 0, 'no polls');
      const consumerIds = new Set(Object.values(p.consumers));
      let delivered = 0;
      for (const x of polls) {
        const [poll] = messages(x.request);
        expect(poll.clientId == null && poll.headers.DSId === p.dsId,
          `poll clientId ${poll.clientId}, DSId ${poll.headers.DSId}`);
        const [reply] = messages(x.response);
        if (className(reply).startsWith('CommandMessage')) {
          expect(reply.operation === OP.CLIENT_SYNC && reply.correlationId === poll.messageId,
            `poll answered by ${show(reply)}`);
          if (reply.headers.DSNoOpPoll) continue;
          for (const m of reply.body) {
            expect(className(m) === 'AsyncMessage' && consumerIds.has(m.clientId),
              `polled ${className(m)} for ${m.clientId}`);
            delivered++;
          }
        } else {
          expect(className(reply).startsWith('AcknowledgeMessage'), `poll answered by ${className(reply)}`);
        }
      }
      const got = p.received.wildcard + 1 + p.received.selective;
      expect(delivered === got, `${delivered} messages in poll replies, the Consumers got ${got}`);
    });
  }

  // Long-polling: the server holds a poll until a message comes. Shown without timing: a message
  // the polling page published reached the long-polling page in the reply to a poll that was sent
  // before that message was published (one browser, one clock).
  const longpolling = pages[1];
  check('wire (longpolling): a held poll delivers a message published after the poll was sent', () => {
    const published = new Map();  // messageId -> when its AsyncMessage request was sent
    for (const x of exchanges) {
      for (const m of messages(x.request)) {
        if (className(m).startsWith('AsyncMessage')) published.set(m.messageId, x.sentAt);
      }
    }
    const held = exchanges.filter((x) => x.page === longpolling.name && commands(x.request).includes(OP.POLL))
      .filter((x) => {
        const [reply] = messages(x.response);
        return className(reply).startsWith('CommandMessage') && Array.isArray(reply.body) &&
          reply.body.some((m) => published.has(m.messageId) && published.get(m.messageId) > x.sentAt);
      });
    expect(held.length > 0, 'no poll reply carried a message published after the poll was sent');
  });

  if (options.verbose) {
    for (const x of exchanges) {
      const out = messages(x.request).map((m) => `${className(m)}${m.operation !== undefined ? `(${m.operation})` : ''}`);
      const back = messages(x.response).map((m) => `${className(m)}${Array.isArray(m.body) ? `[${m.body.length}]` : ''}`);
      console.log(`     ${x.page} ${x.url.slice(server.url.length)} ${out} -> ${x.status} ${back}`);
    }
  }
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const executable = findChromium(options.browser);
  if (!executable) {
    const wanted = options.browser || process.env.AMPHORA_CHROMIUM;
    record('find Chromium', new Error(wanted ? `${wanted} (${options.browser ? '--browser' : '$AMPHORA_CHROMIUM'}) ` +
      'is not an executable file' : 'no Chromium found (/usr/lib/chromium/*, chromium-headless-shell or chromium ' +
      'on PATH): apt-get install chromium-headless-shell (scripts/debian-packages.txt; scripts/setup installs it)'));
    console.log(`${counts.passed} passed, ${counts.failed} failed`);
    process.exit(1);
  }
  let server = null;
  let site = null;
  let chromium = null;
  try {
    site = await startSite();
    server = await startRunServer(options.amphora, guard, { args: ['--cors-origins', site.url] });
    chromium = await startChromium(executable);
    guard.setBrowserPid(chromium.pid);
    if (options.verbose) {
      console.log(`amphora serve at ${server.url} (pid ${server.pid}), page at ${site.url}, ` +
        `${executable} ${chromium.version} (pid ${chromium.pid})`);
    }
    await run(chromium.browser, site, server);
  } catch (e) {
    record('run', e);
  } finally {
    if (chromium) {
      await chromium.close();
      guard.setBrowserPid(0);
    }
    if (site) await site.close();
    if (server) {
      await stopRunServer(server, guard, { check, counts });
    }
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(counts.failed > 0 ? 1 : 0);
}

main();
