// Node's ws client and fetch against the real spreadd: a publish over a WebSocket text frame or
// over POST /publish reaches every subscriber of its topic, once and in publish order, and a bad
// one is answered with an error frame while the connection stays up.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Subscriber, publish, startDaemon } = require('./harness');

const ORDERED_MESSAGES = 1000;
const OPEN_ROUNDS = 20;

test('a WebSocket publish reaches every subscriber, the sender included', async (t) => {
  const daemon = await startDaemon(t);
  const sender = await Subscriber.connect(daemon);
  const listener = await Subscriber.connect(daemon);
  await sender.ready();
  await listener.ready();
  sender.ws.send(JSON.stringify({ name: 'node', msg: 'über ws ✓' }));
  assert.deepEqual(await listener.next(), { name: 'node', msg: 'über ws ✓' });
  assert.deepEqual(await sender.next(), { name: 'node', msg: 'über ws ✓' });
  sender.ws.close(1000);
  listener.ws.close(1000);
  assert.equal((await sender.closed).code, 1000);
  assert.equal((await listener.closed).code, 1000);
});

test('a client is subscribed as soon as its socket is open, with no probe', async (t) => {
  const daemon = await startDaemon(t);
  for (let attempt = 0; attempt < OPEN_ROUNDS; attempt += 1) {
    const topic = `open-${attempt}`;
    const subscriber = await Subscriber.connect(daemon, topic);
    assert.equal((await publish(daemon, 'http', 'at once', topic)).status, 204);
    assert.deepEqual(await subscriber.next(), { name: 'http', msg: 'at once' });
    subscriber.ws.terminate();
  }
});

test('an HTTP publish to a topic reaches the ws subscribers of that topic', async (t) => {
  const daemon = await startDaemon(t);
  const inRoom = await Subscriber.connect(daemon, 'room-1');
  const elsewhere = await Subscriber.connect(daemon, 'room-2');
  await inRoom.ready();
  await elsewhere.ready();
  assert.equal((await publish(daemon, 'http', 'to room 1', 'room-1')).status, 204);
  assert.equal((await publish(daemon, 'http', 'to room 2', 'room-2')).status, 204);
  assert.deepEqual(await inRoom.next(), { name: 'http', msg: 'to room 1' });
  assert.deepEqual(await elsewhere.next(), { name: 'http', msg: 'to room 2' });
  inRoom.ws.terminate();
  elsewhere.ws.terminate();
});

test('messages published over one socket arrive at another in order, each once', async (t) => {
  // The burst outruns the fan-out for a moment: the server holds the sender's reading rather
  // than refuse it. The wait is long so that a loaded machine's stall is not a refusal here.
  const daemon = await startDaemon(t, { 'session.publishWaitMs': 10000 });
  const sender = await Subscriber.connect(daemon);
  const listener = await Subscriber.connect(daemon);
  await sender.ready();
  await listener.ready();
  for (let i = 0; i < ORDERED_MESSAGES; i += 1) sender.ws.send(JSON.stringify({ name: 'seq', msg: String(i) }));
  for (let i = 0; i < ORDERED_MESSAGES; i += 1) assert.deepEqual(await listener.next(), { name: 'seq', msg: String(i) });
  // A marker after them: nothing was duplicated in between.
  sender.ws.send(JSON.stringify({ name: 'end', msg: 'marker' }));
  assert.deepEqual(await listener.next(), { name: 'end', msg: 'marker' });
  sender.ws.terminate();
  listener.ws.terminate();
});

test('a bad message gets an error frame naming the field and the socket stays usable', async (t) => {
  const daemon = await startDaemon(t);
  const sender = await Subscriber.connect(daemon);
  await sender.ready();
  sender.ws.send(JSON.stringify({ name: 'no message' }));
  const error = await sender.next();
  assert.equal(error.field, 'msg');
  assert.match(error.error, /msg/);
  sender.ws.send(JSON.stringify({ name: 'fixed', msg: 'now with a message' }));
  assert.deepEqual(await sender.next(), { name: 'fixed', msg: 'now with a message' });
  sender.ws.terminate();
});
