#!/usr/bin/env node
'use strict';
// Remoting interop test (ctest `interop_royale_remoting`, label interop; ../README.md "Remoting"):
//   node remoting/run.js --amphora PATH [--seconds N] [--verbose]
// Starts `amphora serve --port 0` on 127.0.0.1 and drives it with Apache Royale's real Flex client,
// mx.rpc.remoting.RemoteObject over AMFChannel (./flex.js), over HTTP: the channel's CLIENT_PING
// and DSId, EchoService.echo round trips of many kinds of values, typed demo operations, faults,
// results delivered as ResultEvents; then checks every exchange on the wire (decoded by Royale's own
// reader) and that the server stops gracefully. Prints failures (every check with --verbose), then
// "N passed, M failed"; exits 1 on any failure. The server is always stopped; after N seconds (60)
// everything is killed and the run fails.

process.env.TZ = 'UTC';

const { startRunServer, stopRunServer } = require('./server');
const { startGuard } = require('./guard');
const { loadFlexClient, readPacket, PERSON_ALIAS } = require('./flex');
const { XMLHttpRequest } = require('./xhr');
const { createChecks, expect, show } = require('../lib/checks');

const CALL_SECONDS = 15;
const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;
const OP_CLIENT_PING = 5;
const OP_DISCONNECT = 12;

function usage(message) {
  if (message) console.error(`remoting/run.js: ${message}`);
  console.error('usage: node remoting/run.js --amphora PATH [--seconds N] [--verbose]');
  process.exit(2);
}

function parseArgs(argv) {
  const options = { seconds: 60, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    if (arg === '--amphora') options.amphora = next();
    else if (arg === '--seconds') options.seconds = Number(next());
    else if (arg === '--verbose') options.verbose = true;
    else usage(`unknown argument ${arg}`);
  }
  if (!options.amphora) usage('--amphora is required');
  if (!(options.seconds > 0)) usage('--seconds must be positive');
  return options;
}

// ---- checks -------------------------------------------------------------------------------------

const options = parseArgs(process.argv.slice(2));
const guard = startGuard(options.seconds);
const { counts, record, check } = createChecks({ verbose: options.verbose, guard });

// Deep equality of plain JS values as Royale decodes them: primitives (Object.is), Dates, arrays,
// plain objects (same own keys).
function same(a, b) {
  if (Object.is(a, b)) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

function expectSame(actual, expected, what) {
  expect(same(actual, expected), `${what}: got ${show(actual)}, expected ${show(expected)}`);
}

// ---- the client ---------------------------------------------------------------------------------

const exchanges = [];  // every HTTP exchange of the client, in completion order
XMLHttpRequest.onExchange = (exchange) => exchanges.push(exchange);

function remoteObject(destination, endpoint) {
  const { mx } = loadFlexClient();
  const service = new mx.rpc.remoting.RemoteObject(destination);
  service.endpoint = endpoint;
  service.events = [];  // every ResultEvent and FaultEvent the service itself dispatched
  service.addEventListener(mx.rpc.events.ResultEvent.RESULT, (event) => service.events.push(event));
  service.addEventListener(mx.rpc.events.FaultEvent.FAULT, (event) => service.events.push(event));
  return service;
}

// Calls `operation` and resolves, once its responder is called, to {ok, event, token}.
function call(service, operation, ...args) {
  const { mx } = loadFlexClient();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, timedOut: true }), CALL_SECONDS * 1000);
    const token = service.getOperation(operation).send(...args);
    const done = (ok) => (event) => {
      clearTimeout(timer);
      resolve({ ok, event, token });
    };
    token.addResponder(new mx.rpc.Responder(done(true), done(false)));
  });
}

function describeFault(outcome) {
  if (outcome.timedOut) return `no answer within ${CALL_SECONDS} s`;
  const fault = outcome.event && outcome.event.fault;
  return fault ? `fault ${fault.faultCode}: ${fault.faultString} (${fault.faultDetail})` : show(outcome.event);
}

// The outcome is a ResultEvent for this call (also dispatched by the service), carrying an
// AcknowledgeMessage that correlates with the request; returns the result.
function expectResult(service, outcome) {
  const { mx } = loadFlexClient();
  expect(outcome.ok, `expected a result, got ${describeFault(outcome)}`);
  const { event, token } = outcome;
  expect(event instanceof mx.rpc.events.ResultEvent, `the responder got ${event && event.type}, not a ResultEvent`);
  expect(event.token === token, 'the ResultEvent does not carry the call\'s AsyncToken');
  expect(service.events.includes(event), 'the RemoteObject did not dispatch the ResultEvent');
  expect(event.message instanceof mx.messaging.messages.AcknowledgeMessage,
    `the result message is ${className(event.message)}, not an AcknowledgeMessage`);
  expect(event.message.correlationId === token.message.messageId,
    `ack correlationId ${event.message.correlationId} != request messageId ${token.message.messageId}`);
  return event.result;
}

// The outcome is a FaultEvent with an ErrorMessage and this fault code; returns the Fault.
function expectFault(service, outcome, faultCode) {
  const { mx } = loadFlexClient();
  expect(!outcome.ok && !outcome.timedOut, outcome.timedOut ? describeFault(outcome)
    : `expected fault ${faultCode}, got result ${show(outcome.event && outcome.event.result)}`);
  const { event, token } = outcome;
  expect(event instanceof mx.rpc.events.FaultEvent, `the responder got ${event && event.type}, not a FaultEvent`);
  expect(event.token === token, 'the FaultEvent does not carry the call\'s AsyncToken');
  expect(service.events.includes(event), 'the RemoteObject did not dispatch the FaultEvent');
  expect(event.message instanceof mx.messaging.messages.ErrorMessage,
    `the fault message is ${className(event.message)}, not an ErrorMessage`);
  expect(event.message.correlationId === token.message.messageId, 'ErrorMessage correlationId != request messageId');
  expect(event.fault.faultCode === faultCode, `faultCode ${event.fault.faultCode}, expected ${faultCode}`);
  expect(typeof event.fault.faultString === 'string' && event.fault.faultString.length > 0, 'empty faultString');
  return event.fault;
}

// ---- the cases ----------------------------------------------------------------------------------

function echoCases() {
  const { mx, Person } = loadFlexClient();
  const person = Object.assign(new Person(), { name: 'Ada Lovelace', age: 36, tags: ['math', 'engines'] });
  const list = new mx.collections.ArrayCollection([1, 'two', { three: 3 }, [4]]);
  return [
    ['string with unicode (2, 3 and 4-byte UTF-8)', 'héllo ✓ 世界 🎉', expectSame],
    ['empty string', '', expectSame],
    ['number (double)', 3.25, expectSame],
    ['negative double', -1e300, expectSame],
    ['int', 42, expectSame],
    ['negative int', -7, expectSame],
    ['largest 29-bit int', 268435455, expectSame],
    ['integer beyond 29 bits (a double on the wire)', 268435456, expectSame],
    ['boolean true', true, expectSame],
    ['boolean false', false, expectSame],
    ['null', null, expectSame],
    ['date', new Date(Date.UTC(2024, 1, 29, 12, 30, 45, 123)), expectSame],
    ['array', [1, 'two', 3.5, null, [true, false], { k: 'v' }], expectSame],
    ['anonymous object',
      { name: 'widget', count: 3, price: 9.99, nested: { ok: true, list: [1, 2] }, none: null }, expectSame],
    [`typed object (alias ${PERSON_ALIAS})`, person, (actual) => {
      expect(actual instanceof Person, `got ${show(actual)} (${className(actual)}), not a Person`);
      expect(actual !== person, 'got the sent object itself');
      expect(loadFlexClient().royale.reflection.getAliasByClass(actual.constructor) === PERSON_ALIAS, 'alias lost');
      for (const field of ['name', 'age', 'tags']) expectSame(actual[field], person[field], `Person.${field}`);
    }],
    ['ArrayCollection (flex.messaging.io.ArrayCollection)', list, (actual) => {
      expect(actual instanceof mx.collections.ArrayCollection, `got ${show(actual)}, not an ArrayCollection`);
      expect(actual !== list, 'got the sent object itself');
      expectSame(actual.source, list.source, 'ArrayCollection.source');
      expect(actual.length === 4 && actual.getItemAt(1) === 'two', 'the collection view does not see the items');
    }],
  ];
}

async function run(server) {
  const { mx } = loadFlexClient();
  const endpoint = `${server.url}/amf`;
  const echo = remoteObject('EchoService', endpoint);

  // All echo calls are sent at once: the first one makes the channel connect (CLIENT_PING), the
  // others wait in the ChannelSet, then go out on up to 6 parallel connections.
  const cases = echoCases();
  const outcomes = await Promise.all(cases.map(([, value]) => call(echo, 'echo', value)));
  for (const [i, [name, value, compare]] of cases.entries()) {
    await check(`echo: ${name}`, () => compare(expectResult(echo, outcomes[i]), value, 'echoed value'));
  }

  await check('channel connected after CLIENT_PING, DSId adopted by RoyaleClient', () => {
    expect(echo.channelSet && echo.channelSet.connected, 'the ChannelSet is not connected');
    const dsId = mx.messaging.RoyaleClient.getInstance().id;
    expect(UUID.test(String(dsId)), `RoyaleClient id is ${show(dsId)}, not the server's DSId`);
  });

  const typed = [
    ['add(2, 3) = 5', ['add', 2, 3], 5],
    ['reverse("héllo ✓ 世界") by code point', ['reverse', 'héllo ✓ 世界'], '界世 ✓ olléh'],
    ['sum([1, 2, 3.5]) = 6.5', ['sum', [1, 2, 3.5]], 6.5],
  ];
  const typedOutcomes = await Promise.all(typed.map(([, args]) => call(echo, ...args)));
  for (const [i, [name, , expected]] of typed.entries()) {
    await check(`typed operation: ${name}`, () => expectSame(expectResult(echo, typedOutcomes[i]), expected, 'result'));
  }
  await check('typed operation: now() is a Date close to this clock', async () => {
    const before = Date.now();
    const now = expectResult(echo, await call(echo, 'now'));
    expect(now instanceof Date, `got ${show(now)}, not a Date`);
    expect(Math.abs(now.getTime() - before) < 60000,
      `now() = ${now.toISOString()}, this clock ${new Date(before).toISOString()}`);
  });

  await check('fault: unknown operation -> FaultEvent Server.ResourceUnavailable', async () => {
    expectFault(echo, await call(echo, 'noSuchOperation', 1), 'Server.ResourceUnavailable');
  });
  await check('fault: wrong argument count add(1) -> FaultEvent Server.ResourceUnavailable', async () => {
    expectFault(echo, await call(echo, 'add', 1), 'Server.ResourceUnavailable');
  });
  await check('fault: wrong argument kind add("x", 2) -> FaultEvent Server.ResourceUnavailable', async () => {
    expectFault(echo, await call(echo, 'add', 'x', 2), 'Server.ResourceUnavailable');
  });

  // A second RemoteObject on BlazeDS's default path: its own channel pings again with the DSId it
  // has, which the server keeps.
  const firstDsId = mx.messaging.RoyaleClient.getInstance().id;
  const missing = remoteObject('NoSuchService', `${server.url}/messagebroker/amf`);
  await check('fault: unknown destination (/messagebroker/amf) -> FaultEvent Server.ResourceUnavailable', async () => {
    expectFault(missing, await call(missing, 'echo', 1), 'Server.ResourceUnavailable');
  });
  await check('second channel (/messagebroker/amf): the known DSId is kept', () => {
    expect(missing.channelSet.connected, 'the second ChannelSet is not connected');
    expect(mx.messaging.RoyaleClient.getInstance().id === firstDsId,
      `DSId changed from ${firstDsId} to ${mx.messaging.RoyaleClient.getInstance().id}`);
  });
  await check('calls keep working after the second channel connected', async () => {
    expectSame(expectResult(echo, await call(echo, 'add', 40, 2)), 42, 'add(40, 2)');
  });

  // Disconnecting sends a DISCONNECT command (answered, but nobody waits for it): wait for it here.
  const before = exchanges.length;
  echo.channelSet.disconnectAll();
  const deadline = Date.now() + CALL_SECONDS * 1000;
  while (exchanges.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  checkWire(server, firstDsId);
}

// ---- the wire -----------------------------------------------------------------------------------

function decodeExchanges() {
  return exchanges.map((exchange) => {
    const decoded = { exchange };
    try {
      decoded.request = readPacket(exchange.request);
      decoded.response = exchange.status === 200 ? readPacket(exchange.response) : null;
    } catch (e) {
      decoded.error = e;
    }
    return decoded;
  });
}

// The AS3 class name of a Royale object (its constructors are anonymous functions).
function className(value) {
  const info = value && value.ROYALE_CLASS_INFO;
  return info ? info.names[0].name : show(value);
}

function checkWire(server, dsId) {
  const { mx } = loadFlexClient();
  const M = mx.messaging.messages;
  const decoded = decodeExchanges();
  const messages = (packet) => (packet ? packet.bodies.map((b) => (Array.isArray(b.data) ? b.data[0] : b.data)) : []);
  const label = (d) => `${d.exchange.url} ${d.request ? messages(d.request).map(className).join(',') : ''}`;

  check('wire: every exchange is HTTP 200 application/x-amf, decodable, version 3, one body per request body', () => {
    expect(decoded.length > 0, 'no exchanges recorded');
    for (const d of decoded) {
      const { exchange } = d;
      expect(!d.error, `${label(d)}: Royale cannot read the bytes: ${d.error && (d.error.message || d.error)}`);
      expect(exchange.status === 200, `${label(d)}: HTTP ${exchange.status} ${exchange.error || ''}`);
      expect(String(exchange.responseHeaders['content-type']).includes('application/x-amf'),
        `${label(d)}: Content-Type ${exchange.responseHeaders['content-type']}`);
      expect(d.response.version === 3, `${label(d)}: response envelope version ${d.response.version}`);
      expect(d.response.bodies.length === d.request.bodies.length,
        `${label(d)}: ${d.response.bodies.length} response bodies`);
      d.request.bodies.forEach((body, i) => {
        const target = d.response.bodies[i].targetURI;
        expect(target === `${body.responseURI}/onResult` || target === `${body.responseURI}/onStatus`,
          `${label(d)}: response target ${target} for response URI ${body.responseURI}`);
      });
    }
  });

  const command = (operation) => (d) =>
    messages(d.request).some((m) => m instanceof M.CommandMessage && m.operation === operation);
  const pings = decoded.filter(command(OP_CLIENT_PING));
  check('wire: CLIENT_PING with DSId "nil" answered by an ack with a fresh DSId and DSMessagingVersion', () => {
    expect(pings.length === 2, `${pings.length} CLIENT_PING exchanges, expected 2 (one per channel)`);
    const [ping, ack] = [messages(pings[0].request)[0], messages(pings[0].response)[0]];
    expect(ping.headers.DSId === 'nil' && ping.headers.DSMessagingVersion === 1,
      `first ping headers ${show(ping.headers)}`);
    expect(ack instanceof M.AcknowledgeMessage, `ping answered by ${className(ack)}`);
    expect(ack.correlationId === ping.messageId, 'ping ack correlationId != ping messageId');
    expect(ack.headers.DSId === dsId && UUID.test(dsId), `ping ack DSId ${show(ack.headers.DSId)}, client has ${dsId}`);
    expect(ack.headers.DSMessagingVersion === 1, `ping ack DSMessagingVersion ${show(ack.headers.DSMessagingVersion)}`);
    const [ping2, ack2] = [messages(pings[1].request)[0], messages(pings[1].response)[0]];
    expect(ping2.headers.DSId === dsId, `second ping sent DSId ${show(ping2.headers.DSId)}`);
    expect(ack2.headers.DSId === dsId, `second ping ack DSId ${show(ack2.headers.DSId)}`);
  });

  check('wire: each RemotingMessage has the DSId; its reply correlates, keeps its clientId, has a ms timestamp', () => {
    const calls = decoded.filter((d) => messages(d.request).some((m) => m instanceof M.RemotingMessage));
    expect(calls.length > 20, `only ${calls.length} remoting exchanges`);
    // Royale's MessageAgent adopts the clientId of its first ack and sends it from then on.
    expect(calls.some((d) => messages(d.request)[0].clientId), 'no RemotingMessage carried an adopted clientId');
    const now = Date.now();
    for (const d of calls) {
      const [request, reply] = [messages(d.request)[0], messages(d.response)[0]];
      expect(request.headers.DSId === dsId, `${label(d)}: request DSId ${show(request.headers.DSId)}`);
      expect(reply instanceof M.AcknowledgeMessage, `${label(d)}: reply ${show(reply)}`);
      expect(reply.correlationId === request.messageId,
        `${label(d)}: correlationId ${reply.correlationId} != ${request.messageId}`);
      expect(reply.messageId && reply.messageId !== request.messageId, `${label(d)}: messageId ${reply.messageId}`);
      expect(reply.clientId, `${label(d)}: reply without clientId`);
      if (request.clientId) {
        expect(reply.clientId === request.clientId, `${label(d)}: clientId ${reply.clientId} != ${request.clientId}`);
      }
      expect(Math.abs(reply.timestamp - now) < 600000, `${label(d)}: timestamp ${reply.timestamp}, not ms near ${now}`);
    }
  });

  check('wire: acks from the ping (DSMessagingVersion 1) on come in small form (DSK), ErrorMessages in full', () => {
    const replies = decoded.filter((d) => !command(OP_DISCONNECT)(d)).flatMap((d) => messages(d.response));
    const acks = replies.filter((m) => m instanceof M.AcknowledgeMessage && !(m instanceof M.ErrorMessage));
    const errors = replies.filter((m) => m instanceof M.ErrorMessage);
    expect(acks.length > 20 && errors.length >= 4, `${acks.length} acks, ${errors.length} ErrorMessages`);
    for (const ack of acks) expect(ack instanceof M.AcknowledgeMessageExt, `ack ${ack.messageId} in full form`);
  });

  check('wire: DISCONNECT (command 12) is acknowledged (in full form: the DSId is forgotten)', () => {
    const disconnects = decoded.filter(command(OP_DISCONNECT));
    expect(disconnects.length === 1, `${disconnects.length} DISCONNECT exchanges`);
    const reply = messages(disconnects[0].response)[0];
    expect(reply instanceof M.AcknowledgeMessage && !(reply instanceof M.ErrorMessage),
      `DISCONNECT answered by ${show(reply)}`);
    expect(!(reply instanceof M.AcknowledgeMessageExt), 'DISCONNECT answered in small form');
  });

  if (options.verbose) {
    for (const d of decoded) {
      const { status, request, response } = d.exchange;
      console.log(`     ${status} ${label(d)}: ${request.length} -> ${response.length} bytes`);
    }
  }
}

// ---- main ---------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  let server = null;
  try {
    loadFlexClient();
    server = await startRunServer(options.amphora, guard);
    if (options.verbose) console.log(`amphora serve at ${server.url} (pid ${server.pid})`);
    await run(server);
  } catch (e) {
    record('run', e);
  } finally {
    XMLHttpRequest.closeConnections();
    if (server) {
      await stopRunServer(server, guard, { check, counts });
    }
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(counts.failed > 0 ? 1 : 0);
}

main();
