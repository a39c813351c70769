'use strict';
// A small XMLHttpRequest over node's http module: the part of the XHR API that Royale's
// AMFNetConnection uses (open, onreadystatechange at OPENED and DONE, setRequestHeader,
// responseType "arraybuffer", send(Uint8Array), status, response, getResponseHeader).
// As in a browser, open() fires readystatechange synchronously with readyState 1, and the
// request's outcome arrives later as readyState 4 (status 0 on a network error or timeout).
// Every exchange is reported to `onExchange` (request and response bytes), for diagnostics.

const http = require('http');

const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });

class XMLHttpRequest {
  constructor() {
    this.readyState = 0;
    this.status = 0;
    this.statusText = '';
    this.responseType = '';
    this.response = null;
    this.timeout = 0;  // ms; 0 = XMLHttpRequest.requestTimeoutMs
    this.onreadystatechange = null;
    this._headers = {};
    this._responseHeaders = {};
  }

  _change(state) {
    this.readyState = state;
    if (typeof this.onreadystatechange === 'function') this.onreadystatechange();
  }

  open(method, url) {
    this._method = method;
    this._url = url;
    this._headers = {};
    this._responseHeaders = {};
    this.status = 0;
    this.response = null;
    this._change(1);
  }

  setRequestHeader(name, value) {
    if (this.readyState !== 1) throw new Error('XMLHttpRequest: setRequestHeader before open()');
    this._headers[name] = value;
  }

  getResponseHeader(name) {
    const value = this._responseHeaders[name.toLowerCase()];
    return value === undefined ? null : String(value);
  }

  getAllResponseHeaders() {
    return Object.entries(this._responseHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  }

  send(data) {
    // A copy of the bytes sent (Uint8Array, other views or ArrayBuffer).
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
    const body = Buffer.from(new Uint8Array(bytes || 0));
    const exchange = { method: this._method, url: this._url, requestHeaders: { ...this._headers }, request: body };
    let finished = false;
    const finish = (status, headers, bytes, error) => {
      if (finished) return;
      finished = true;
      this.status = status;
      this._responseHeaders = headers;
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      this.response = this.responseType === 'arraybuffer' ? buffer : bytes.toString('utf8');
      Object.assign(exchange, { status, responseHeaders: headers, response: bytes, error });
      XMLHttpRequest.onExchange(exchange);
      this._change(4);
    };
    const request = http.request(this._url, {
      method: this._method,
      agent,
      headers: { ...this._headers, 'Content-Length': body.length },
      timeout: this.timeout || XMLHttpRequest.requestTimeoutMs,
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => finish(response.statusCode, response.headers, Buffer.concat(chunks)));
      response.on('error', (e) => finish(0, {}, Buffer.alloc(0), e.message));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (e) => finish(0, {}, Buffer.alloc(0), e.message));
    request.end(body);
  }

  abort() {}
}

XMLHttpRequest.UNSENT = 0;
XMLHttpRequest.OPENED = 1;
XMLHttpRequest.DONE = 4;
XMLHttpRequest.requestTimeoutMs = 10000;
XMLHttpRequest.onExchange = () => {};
XMLHttpRequest.closeConnections = () => agent.destroy();

module.exports = { XMLHttpRequest };
