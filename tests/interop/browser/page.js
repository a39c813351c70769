'use strict';
// Runs in the test page, in Chromium, after Royale's classes and the Flex aliases (run.js serves
// both): a small API over Apache Royale's Flex messaging client (mx.messaging.ChannelSet, AMFChannel,
// Consumer, Producer) and mx.rpc.remoting.RemoteObject, for run.js to call through page.evaluate.
// Everything that goes over the network is Royale's code and Chromium's XMLHttpRequest; this file
// only creates the agents, records what they dispatch and turns their events into promises.

(function () {
  const { mx } = window;
  const M = mx.messaging.messages;
  const E = mx.messaging.events;
  let channelSet = null;
  const agents = new Map();  // name -> {agent, received: [messages as plain objects], faults: [...]}
  const waiters = new Set();  // {check(): boolean} re-run after every received message

  // The part of a received message run.js checks, as plain data.
  function plain(message) {
    const headers = {};
    for (const key of Object.keys(message.headers || {})) headers[key] = message.headers[key];
    return {
      className: message.ROYALE_CLASS_INFO ? message.ROYALE_CLASS_INFO.names[0].qName : typeof message,
      body: message.body,
      headers,
      clientId: message.clientId,
      messageId: message.messageId,
      destination: message.destination,
    };
  }

  function faultText(event) {
    const m = event.message || {};
    return `${event.type}: ${m.faultCode || event.faultCode || ''} ${m.faultString || event.faultString || ''} ` +
      `${m.faultDetail || event.faultDetail || ''}`.trim();
  }

  // Resolves with the ack of `message` sent by `agent` (its MessageAckEvent), rejects on its fault.
  function acknowledged(agent, message, send) {
    return new Promise((resolve, reject) => {
      const onAck = (event) => {
        if (event.correlation !== message) return;
        done();
        resolve(event.message);
      };
      const onFault = (event) => {
        if (event.message && event.message.correlationId && event.message.correlationId !== message.messageId) return;
        done();
        reject(new Error(faultText(event)));
      };
      const done = () => {
        agent.removeEventListener(E.MessageAckEvent.ACKNOWLEDGE, onAck);
        agent.removeEventListener(E.MessageFaultEvent.FAULT, onFault);
      };
      agent.addEventListener(E.MessageAckEvent.ACKNOWLEDGE, onAck);
      agent.addEventListener(E.MessageFaultEvent.FAULT, onFault);
      send();
    });
  }

  function entry(name) {
    const found = agents.get(name);
    if (!found) throw new Error(`no agent ${name}`);
    return found;
  }

  function track(name, agent) {
    const record = { agent, received: [], faults: [] };
    agent.addEventListener(E.MessageEvent.MESSAGE, (event) => {
      record.received.push(plain(event.message));
      for (const waiter of [...waiters]) waiter.check();
    });
    agent.addEventListener(E.MessageFaultEvent.FAULT, (event) => record.faults.push(faultText(event)));
    agents.set(name, record);
    return record;
  }

  window.flexTest = {
    // One ChannelSet with one AMFChannel that polls (pollingInterval 0: poll again as soon as a poll
    // returns, what Flex calls long-polling when the endpoint holds polls).
    channel({ id, url, pollingInterval }) {
      const channel = new mx.messaging.channels.AMFChannel(id, url);
      channel.pollingEnabled = true;
      channel.pollingInterval = pollingInterval;
      channelSet = new mx.messaging.ChannelSet();
      channelSet.addChannel(channel);
      channelSet.addEventListener(E.ChannelFaultEvent.FAULT, (event) => {
        for (const record of agents.values()) record.faults.push(`channel: ${faultText(event)}`);
      });
    },

    // Subscribes a Consumer; resolves with its subscription id (clientId) once acknowledged.
    async subscribe(name, { destination, subtopic, selector }) {
      const consumer = new mx.messaging.Consumer();
      consumer.destination = destination;
      consumer.channelSet = channelSet;
      if (subtopic) consumer.subtopic = subtopic;
      if (selector) consumer.selector = selector;
      track(name, consumer);
      await new Promise((resolve, reject) => {
        const onAck = () => {
          if (!consumer.subscribed) return;
          consumer.removeEventListener(E.MessageAckEvent.ACKNOWLEDGE, onAck);
          resolve();
        };
        consumer.addEventListener(E.MessageAckEvent.ACKNOWLEDGE, onAck);
        consumer.addEventListener(E.MessageFaultEvent.FAULT, (event) => reject(new Error(faultText(event))));
        consumer.subscribe();
      });
      const dsId = mx.messaging.RoyaleClient.getInstance().id;
      return { clientId: consumer.clientId, connected: channelSet.connected, dsId };
    },

    async unsubscribe(name) {
      const { agent } = entry(name);
      await new Promise((resolve) => {
        const onAck = () => {
          if (agent.subscribed) return;
          agent.removeEventListener(E.MessageAckEvent.ACKNOWLEDGE, onAck);
          resolve();
        };
        agent.addEventListener(E.MessageAckEvent.ACKNOWLEDGE, onAck);
        agent.unsubscribe();
      });
      return { subscribed: agent.subscribed, clientId: agent.clientId };
    },

    producer(name, { destination, subtopic }) {
      const producer = new mx.messaging.Producer();
      producer.destination = destination;
      producer.channelSet = channelSet;
      if (subtopic) producer.subtopic = subtopic;
      track(name, producer);
    },

    // Publishes one AsyncMessage per item ({body, headers}), each after the previous one was
    // acknowledged (so the server receives them in this order); resolves with the acks' correlation
    // ids, or rejects on the first fault.
    async publish(name, items) {
      const { agent } = entry(name);
      const correlations = [];
      for (const { body, headers } of items) {
        const message = new M.AsyncMessage();
        message.body = body;
        Object.assign(message.headers, headers);
        const ack = await acknowledged(agent, message, () => agent.send(message));
        correlations.push(ack.correlationId === message.messageId);
      }
      return correlations;
    },

    // Resolves with the messages `name` received once there are `count` (or more) of them, or, after
    // `ms`, with what it has.
    received(name, count = 0, ms = 0) {
      const record = entry(name);
      return new Promise((resolve) => {
        const waiter = {
          check() {
            if (record.received.length < count) return false;
            finish();
            return true;
          },
        };
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve({ received: record.received, faults: record.faults });
        };
        const timer = setTimeout(finish, ms);
        waiters.add(waiter);
        waiter.check();
      });
    },

    // The ChannelSet's DISCONNECT; resolves once the channel says it is disconnected.
    disconnect() {
      return new Promise((resolve) => {
        const check = () => {
          if (channelSet.connected) return false;
          resolve({ connected: channelSet.connected });
          return true;
        };
        channelSet.addEventListener(E.ChannelEvent.DISCONNECT, check);
        channelSet.disconnectAll();
        check();
      });
    },

    // mx.rpc.remoting.RemoteObject in the browser: `operation(...args)` on `destination` at `url`.
    call(destination, url, operation, args) {
      const service = new mx.rpc.remoting.RemoteObject(destination);
      service.endpoint = url;
      return new Promise((resolve) => {
        const token = service.getOperation(operation).send(...args);
        token.addResponder(new mx.rpc.Responder(
          (event) => resolve({ ok: true, result: event.result }),
          (event) => resolve({ ok: false, fault: `${event.fault.faultCode}: ${event.fault.faultString}` })));
      });
    },
  };
})();
