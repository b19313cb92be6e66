// A network tripwire for the privacy tests (test/privacy/no-network.test.ts).
// Loaded before any of Lumen's code with `node --import <this file>`, passed
// in NODE_OPTIONS so that every Node child process (the engine) and every
// worker thread started from a file (the decode pool) loads it too.
//
// It wraps the places where a Node program can reach the network (a TCP or TLS
// connect, fetch, http(s) requests, DNS look-ups, UDP, listening sockets) and
// appends one JSON line per attempt to the file named by LUMEN_NETWORK_LOG:
// { pid, thread, kind, target, blocked }. Anything that does not stay on this
// machine is blocked before a packet is sent, so a test that plants a
// connection never sends traffic anywhere. It also records each process and
// thread it starts in (kind "process"/"thread"), so a test can check that the
// processes it expects were really watched, and each worker started from code
// (eval), which it cannot watch, as "unwatched-worker".
//
// Native code (SQLite, ONNX Runtime, Dawn) does not pass through these
// functions; the network-namespace test covers it.
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';

const logFile = process.env.LUMEN_NETWORK_LOG;
const hookOption = `--import=${new URL(import.meta.url).href}`;

function record(kind, target, blocked) {
  if (!logFile) return;
  const line = JSON.stringify({ pid: process.pid, thread: workerThreads.threadId, kind, target: String(target), blocked });
  fs.appendFileSync(logFile, line + '\n');
}

/** A name or address that resolves to this machine without asking anyone. */
export function isLoopbackHost(host) {
  if (typeof host !== 'string') return false;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return /^::ffff:127\./.test(h);
}

const isOptions = (a) => a !== null && typeof a === 'object' && !Array.isArray(a) && !(a instanceof URL);

function blockedError(what) {
  const err = new Error(`network access blocked by the privacy test hook: ${what}`);
  err.code = 'LUMEN_NETWORK_BLOCKED';
  return err;
}

// --- TCP, TLS and Unix sockets: every client socket ends in Socket#connect.
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.connect passes its normalized arguments as one array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  let port;
  let pipe;
  if (first && typeof first === 'object') {
    if (first.path) pipe = first.path;
    else {
      host = first.host ?? 'localhost';
      port = first.port;
    }
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    pipe = first;
  } else {
    port = first;
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (pipe !== undefined) {
    record('unix', pipe, false); // a file-system socket: this machine only
    return connect.apply(this, args);
  }
  const target = `${host}:${port}`;
  if (isLoopbackHost(host)) {
    record('connect', target, false);
    return connect.apply(this, args);
  }
  record('connect', target, true);
  process.nextTick(() => this.destroy(blockedError(`connect to ${target}`)));
  return this;
};

// --- Listening sockets: who could connect to us.
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  let target;
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    target = first.path ?? `${first.host ?? '(all interfaces)'}:${first.port ?? 0}`;
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    target = first;
  } else {
    target = `${typeof args[1] === 'string' ? args[1] : '(all interfaces)'}:${first ?? 0}`;
  }
  record('listen', target, false);
  return listen.apply(this, args);
};

// --- fetch (undici): record the address and refuse before undici starts.
if (typeof globalThis.fetch === 'function') {
  const fetch = globalThis.fetch;
  globalThis.fetch = function (input, init) {
    let url;
    try {
      url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    } catch {
      return fetch.call(this, input, init); // fetch rejects it itself
    }
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !isLoopbackHost(url.hostname)) {
      record('fetch', url.origin, true);
      return Promise.reject(new TypeError('fetch failed', { cause: blockedError(`fetch ${url.origin}`) }));
    }
    record('fetch', url.protocol === 'data:' ? 'data:' : url.origin === 'null' ? url.protocol : url.origin, false);
    return fetch.call(this, input, init);
  };
}

// --- http(s).request/get: the address in the user's words (the connect is caught above too).
for (const [scheme, mod] of [['http', http], ['https', https]]) {
  for (const name of ['request', 'get']) {
    const original = mod[name];
    mod[name] = function (...args) {
      const first = args[0];
      let host = 'localhost';
      try {
        if (typeof first === 'string' || first instanceof URL) {
          host = new URL(first).hostname;
          if (isOptions(args[1])) host = args[1].hostname ?? args[1].host ?? host;
        } else if (isOptions(first)) host = first.hostname ?? first.host ?? 'localhost';
      } catch {
        // an unparsable URL: http.request throws its own error
      }
      record(scheme, host, !isLoopbackHost(host));
      return original.apply(this, args);
    };
  }
}

// --- DNS: a look-up of any name but localhost may ask a server on the network.
function wrapLookup(owner, name, promised) {
  const original = owner[name];
  if (typeof original !== 'function') return;
  owner[name] = function (hostname, ...rest) {
    if (isLoopbackHost(hostname) || isIP(String(hostname))) {
      record('dns', hostname, false);
      return original.call(this, hostname, ...rest);
    }
    record('dns', hostname, true);
    const err = blockedError(`DNS look-up of ${hostname}`);
    if (promised) return Promise.reject(err);
    const callback = rest.findLast((a) => typeof a === 'function');
    if (callback) process.nextTick(() => callback(err));
    return undefined;
  };
}
const resolverMethods = ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse'];
for (const name of resolverMethods) {
  wrapLookup(dns, name, false);
  wrapLookup(dns.promises, name, true);
  wrapLookup(dns.Resolver.prototype, name, false);
  wrapLookup(dns.promises.Resolver.prototype, name, true);
}

// --- UDP.
const udpSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  const strings = args.filter((a) => typeof a === 'string');
  const address = strings.length ? strings[strings.length - 1] : this.remoteAddress?.()?.address ?? 'localhost';
  const blocked = !isLoopbackHost(address);
  record('udp', address, blocked);
  if (blocked) {
    const callback = args.findLast((a) => typeof a === 'function');
    const err = blockedError(`UDP to ${address}`);
    if (callback) process.nextTick(() => callback(err));
    else process.nextTick(() => this.emit('error', err));
    return undefined;
  }
  return udpSend.apply(this, args);
};
const udpConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function (port, address, callback) {
  const host = typeof address === 'string' ? address : 'localhost';
  const blocked = !isLoopbackHost(host);
  record('udp', `${host}:${port}`, blocked);
  if (blocked) {
    process.nextTick(() => this.emit('error', blockedError(`UDP to ${host}:${port}`)));
    return undefined;
  }
  return udpConnect.call(this, port, address, callback);
};
const udpBind = dgram.Socket.prototype.bind;
dgram.Socket.prototype.bind = function (...args) {
  const first = args[0];
  const address = first && typeof first === 'object' ? first.address : typeof args[1] === 'string' ? args[1] : undefined;
  record('listen', `udp ${address ?? '(all interfaces)'}`, false);
  return udpBind.apply(this, args);
};

// --- Child processes: keep the hook in their environment, whatever env the caller passes.
function withHook(env) {
  const base = env ?? process.env;
  const options = base.NODE_OPTIONS ?? '';
  return {
    ...base,
    NODE_OPTIONS: options.includes(hookOption) ? options : `${options} ${hookOption}`.trim(),
    ...(logFile ? { LUMEN_NETWORK_LOG: logFile } : {}),
  };
}
for (const name of ['spawn', 'spawnSync', 'fork', 'execFile', 'execFileSync', 'exec', 'execSync']) {
  const original = childProcess[name];
  childProcess[name] = function (...args) {
    record('spawn', `${String(args[0])}`, false);
    const at = args.findIndex((a, i) => i > 0 && isOptions(a));
    if (at > 0) args[at] = { ...args[at], env: withHook(args[at].env) };
    else args.splice(name === 'exec' || name === 'execSync' || !Array.isArray(args[1]) ? 1 : 2, 0, { env: withHook(undefined) });
    return original.apply(this, args);
  };
}

// --- Worker threads: a worker from a file loads this hook (NODE_OPTIONS); one from code does not.
const Worker = workerThreads.Worker;
workerThreads.Worker = class extends Worker {
  constructor(filename, options) {
    if (options?.eval) record('unwatched-worker', 'eval', false);
    super(filename, options);
  }
};

syncBuiltinESMExports();
record(workerThreads.isMainThread ? 'process' : 'thread', process.argv.slice(1).join(' '), false);
