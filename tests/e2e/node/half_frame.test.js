// A raw TCP client that upgrades, sends two bytes of a frame header and stalls (and another that
// sends half an HTTP request) blocks nobody: other clients still subscribe, publish and receive.
// On SIGTERM the stalled client is sent a 1001 close frame and cut off; spreadd exits 0.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const { test } = require('node:test');
const { Subscriber, publish, startDaemon, withTimeout } = require('./harness');

const ROUNDS = 20;

/** Connects a raw socket that collects everything the server sends. */
async function rawSocket(daemon) {
  const socket = net.connect(daemon.port, '127.0.0.1');
  socket.received = Buffer.alloc(0);
  socket.ended = new Promise((resolve) => socket.on('close', resolve));
  socket.on('data', (chunk) => {
    socket.received = Buffer.concat([socket.received, chunk]);
    socket.emit('received');
  });
  socket.on('error', () => {});  // a reset at shutdown ends the test's interest; 'close' follows
  await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), 5000, 'a TCP connection');
  return socket;
}

/** Resolves once `predicate(socket.received)` holds. */
function receivedUntil(socket, predicate, what) {
  return withTimeout(new Promise((resolve) => {
    const check = () => {
      if (!predicate(socket.received)) return;
      socket.off('received', check);
      resolve();
    };
    socket.on('received', check);
    check();
  }), 10000, what);
}

/** The server's (unmasked) frames in `bytes`, as { opcode, payload }. */
function serverFrames(bytes) {
  const frames = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    let length = bytes[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) { length = bytes.readUInt16BE(at + 2); start += 2; }
    else if (length === 127) { length = Number(bytes.readBigUInt64BE(at + 2)); start += 8; }
    if (start + length > bytes.length) break;
    frames.push({ opcode: bytes[at] & 0x0f, payload: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return frames;
}

test('a half-sent frame or request stalls only its own connection', async (t) => {
  const daemon = await startDaemon(t, { 'transport.websocket.closeTimeoutMs': 500 });

  const halfFrame = await rawSocket(daemon);
  const key = crypto.randomBytes(16).toString('base64');
  halfFrame.write(`GET /subscribe HTTP/1.1\r\nHost: 127.0.0.1:${daemon.port}\r\nUpgrade: websocket\r\n` +
                  `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await receivedUntil(halfFrame, (bytes) => bytes.includes('\r\n\r\n'), 'the 101 answer');
  assert.match(halfFrame.received.toString('latin1'), /^HTTP\/1\.1 101 /);
  const handshakeBytes = halfFrame.received.indexOf('\r\n\r\n') + 4;
  // FIN + text, then "masked, 16-bit length follows": the length and mask never come.
  halfFrame.write(Buffer.from([0x81, 0xfe]));

  const halfRequest = await rawSocket(daemon);
  halfRequest.write('POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le');

  const sender = await Subscriber.connect(daemon);
  const listener = await Subscriber.connect(daemon);
  await sender.ready();
  await listener.ready();
  for (let round = 0; round < ROUNDS; round += 1) {
    sender.ws.send(JSON.stringify({ name: 'ws', msg: `round ${round}` }));
    assert.deepEqual(await listener.next(), { name: 'ws', msg: `round ${round}` });
    assert.equal((await publish(daemon, 'http', `round ${round}`)).status, 204);
    assert.deepEqual(await listener.next(), { name: 'http', msg: `round ${round}` });
  }
  sender.ws.close(1000);
  listener.ws.close(1000);
  await Promise.all([sender.closed, listener.closed]);

  // Shutdown: the stalled subscriber is told 1001 and its connection ends; spreadd exits 0.
  const took = await daemon.stop();
  await withTimeout(halfFrame.ended, 5000, 'the stalled connection to be closed');
  await withTimeout(halfRequest.ended, 5000, 'the half request to be dropped');
  const frames = serverFrames(halfFrame.received.subarray(handshakeBytes));
  const close = frames.at(-1);
  assert.ok(close && close.opcode === 0x8, `the last frame should be a close: ${JSON.stringify(frames.at(-1))}`);
  assert.equal(close.payload.readUInt16BE(0), 1001);
  assert.equal(close.payload.subarray(2).toString(), 'server shutting down');
  // Everything published before reached the stalled subscriber too: it was subscribed.
  assert.equal(frames.filter((frame) => frame.opcode === 0x1).length, 2 * ROUNDS + 2);
  t.diagnostic(`spreadd exited ${Math.round(took)} ms after SIGTERM`);
});
