// Planted network use for test/privacy/no-network.test.ts: tries every way out
// that the network hook watches, from this process, a child process started
// with an empty environment, and a worker thread, and prints what each
// attempt ended with. Run only under the hook: it must block every attempt
// before a packet is sent (10.0.0.1 is a private address, never a real peer).
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

const FAR = '10.0.0.1';

/** Resolves with 'connected' or the error code; an attempt that hangs is an error too. */
function outcome(start) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no answer in 5 s'), 5000);
    const done = (what) => {
      clearTimeout(timer);
      resolve(what);
    };
    try {
      const p = start(done);
      if (p && typeof p.then === 'function') p.then(() => done('connected'), (e) => done(e.code ?? e.cause?.code ?? e.message));
    } catch (e) {
      done(e.code ?? e.message);
    }
  });
}

const onSocket = (socket) => (done) => {
  socket.on('error', (e) => done(e.code ?? e.message));
  for (const ok of ['connect', 'secureConnect', 'response']) socket.on(ok, () => done('connected'));
};

async function attempts() {
  return {
    fetch: await outcome(() => fetch(`http://${FAR}/`)),
    tcp: await outcome((done) => onSocket(net.connect({ host: FAR, port: 80 }))(done)),
    tcpByName: await outcome((done) => onSocket(net.connect(443, 'example.com'))(done)),
    http: await outcome((done) => onSocket(http.get(`http://${FAR}/`))(done)),
    https: await outcome((done) => onSocket(https.request({ host: FAR, port: 443 }).end())(done)),
    tls: await outcome((done) => onSocket(tls.connect(443, FAR))(done)),
    dns: await outcome(() => dns.promises.lookup('example.com')),
    udp: await outcome((done) => {
      const socket = dgram.createSocket('udp4');
      socket.send('lumen', 53, FAR, (e) => {
        socket.close();
        done(e ? (e.code ?? e.message) : 'connected');
      });
    }),
  };
}

const role = process.argv[2];
if (!isMainThread) {
  parentPort.postMessage(await attempts());
} else if (role === 'child') {
  process.stdout.write(JSON.stringify(await attempts()));
} else {
  const main = await attempts();
  const child = await new Promise((resolve, reject) =>
    // An empty environment: the hook must follow the child even so.
    execFile(process.execPath, [process.argv[1], 'child'], { env: {} }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout)))),
  );
  const worker = await new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url));
    w.once('message', resolve);
    w.once('error', reject);
  });
  process.stdout.write(JSON.stringify({ main, child, worker }) + '\n');
}
