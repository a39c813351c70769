'use strict';
// Apache Royale's Flex remoting client (mx.rpc.remoting.RemoteObject over mx.messaging.ChannelSet /
// AMFChannel / AMFNetConnection, from MXRoyaleBaseJS.swc and NetworkJS.swc of the npm package
// @apache-royale/royale-js) loaded into this node process by ../lib/royale-loader.js, with
// XMLHttpRequest provided by ./xhr.js. Nothing here reimplements the client: the classes are the
// compiled JS a Royale application runs in a browser.
//
// As in any Royale application that is not built from MXML with <js:ClassAliasBead/>, the
// [RemoteClass] aliases of the message classes must be registered by hand (royale.md §3), and so
// must the application's own value objects.

const { loadRoyale, SWCS, ENTRY_POINTS } = require('../lib/royale-loader');
const royalePeer = require('../peers/royale');
const { XMLHttpRequest } = require('./xhr');

// The alias of the typed value object the test sends to EchoService.echo.
const PERSON_ALIAS = 'com.example.amphora.Person';

const FLEX_CLASSES = [
  'mx.rpc.remoting.RemoteObject',
  'mx.rpc.Responder',
  'mx.rpc.events.ResultEvent',
  'mx.rpc.events.FaultEvent',
  'mx.messaging.ChannelSet',
  'mx.messaging.channels.AMFChannel',
  'mx.messaging.RoyaleClient',
  'mx.messaging.events.ChannelEvent',
  'mx.messaging.messages.CommandMessage',
  'mx.messaging.messages.RemotingMessage',
  'mx.messaging.messages.AcknowledgeMessage',
  'mx.messaging.messages.ErrorMessage',
  'mx.messaging.messages.AsyncMessage',
  'mx.messaging.messages.AcknowledgeMessageExt',
  'mx.messaging.messages.AsyncMessageExt',
  'mx.messaging.messages.CommandMessageExt',
  'mx.collections.ArrayCollection',
  'org.apache.royale.net.remoting.amf.AMFNetConnection',
];

// The SWCs those classes come from: XMLJS because most mx files require XML.
const FLEX_SWCS = [...SWCS, 'MXRoyaleBaseJS', 'XMLJS'];

// The [RemoteClass] aliases of the Flex message classes and of ArrayCollection, and the Royale class
// each one names. Also registered in the browser (../browser/run.js builds the page's script).
const FLEX_ALIASES = {
  'flex.messaging.messages.CommandMessage': 'mx.messaging.messages.CommandMessage',
  'flex.messaging.messages.RemotingMessage': 'mx.messaging.messages.RemotingMessage',
  'flex.messaging.messages.AcknowledgeMessage': 'mx.messaging.messages.AcknowledgeMessage',
  'flex.messaging.messages.ErrorMessage': 'mx.messaging.messages.ErrorMessage',
  'flex.messaging.messages.AsyncMessage': 'mx.messaging.messages.AsyncMessage',
  DSK: 'mx.messaging.messages.AcknowledgeMessageExt',
  DSA: 'mx.messaging.messages.AsyncMessageExt',
  DSC: 'mx.messaging.messages.CommandMessageExt',
  'flex.messaging.io.ArrayCollection': 'mx.collections.ArrayCollection',
};

// Registers FLEX_ALIASES in a context where Royale is loaded (`root`: its global object). Also run in
// the browser, as source text: it uses nothing from this module.
function registerFlexAliases(root, aliases) {
  for (const [alias, className] of Object.entries(aliases)) {
    const Class = className.split('.').reduce((namespace, name) => namespace[name], root);
    root.org.apache.royale.reflection.registerClassAlias(alias, Class);
  }
}

// Loads the client once; returns {mx, royale, Person}.
let client = null;
function loadFlexClient() {
  if (client) return client;
  globalThis.XMLHttpRequest = XMLHttpRequest;
  const royale = loadRoyale({
    swcs: FLEX_SWCS,
    entryPoints: [...ENTRY_POINTS, ...FLEX_CLASSES],
  });
  const { mx } = globalThis;
  registerFlexAliases(globalThis, FLEX_ALIASES);
  // The value object, defined as Royale's compiler emits an AS3 class with public variables.
  royalePeer.setup({ [PERSON_ALIAS]: { fields: { name: 'String', age: 'int', tags: 'Array' } } });
  const Person = royale.reflection.getClassByAlias(PERSON_ALIAS);
  client = { mx, royale, Person };
  return client;
}

// Decodes one AMF packet (request or response bytes) with Royale's own AMFNetConnection reader:
// {version, headers: [{name, data}], bodies: [{targetURI, responseURI, data}]}.
function readPacket(bytes) {
  const { royale } = loadFlexClient();
  const { AMFBinaryData, AMFNetConnection } = royale.net.remoting.amf;
  const data = new AMFBinaryData(Uint8Array.from(bytes).buffer);
  return new AMFNetConnection().org_apache_royale_net_remoting_amf_AMFNetConnection_readMessage(data);
}

module.exports = {
  loadFlexClient, readPacket, registerFlexAliases, PERSON_ALIAS, FLEX_CLASSES, FLEX_SWCS, FLEX_ALIASES,
};
