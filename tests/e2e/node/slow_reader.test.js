// A subscriber that stops reading (its socket paused, so TCP backs up into the server) is dropped
// with close 1008 "too slow to keep up" once its bounded queue overflows, while a subscriber that
// keeps reading on the same topic receives every accepted message, in order.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Subscriber, metrics, publish, startDaemon, withTimeout } = require('./harness');

const MESSAGE_BYTES = 4096;
// Enough to fill the kernel's socket buffers plus the session's window and queue many times.
const PUBLISHES_MAX = 6000;
const CHECK_EVERY = 50;

test('a stalled reader is closed with 1008 while a live one gets every message', async (t) => {
  const daemon = await startDaemon(t, {
    'session.queueMessagesMax': 64,
    'session.queueBytesMax': 262144,
    'session.sendWindowBytes': 16384,
    // Long enough for the paused client to read its close frame after the drop.
    'transport.websocket.closeTimeoutMs': 30000,
  });
  const stalled = await Subscriber.connect(daemon);
  const live = await Subscriber.connect(daemon);
  await stalled.ready();
  await live.ready();
  stalled.ws._socket.pause();

  const padding = 'x'.repeat(MESSAGE_BYTES);
  let published = 0;
  let dropped = 0;
  while (dropped === 0) {
    assert.ok(published < PUBLISHES_MAX, `the stalled reader was not dropped after ${published} messages`);
    const response = await publish(daemon, 'flood', `${published} ${padding}`);
    assert.equal(response.status, 204, await response.text());
    published += 1;
    if (published % CHECK_EVERY === 0) dropped = (await metrics(daemon)).get('spread_slow_consumers_dropped_total');
  }
  assert.equal(dropped, 1, 'only the stalled reader may be dropped');

  stalled.ws._socket.resume();
  const farewell = await withTimeout(stalled.closed, 10000, 'the stalled reader to see its close frame');
  assert.deepEqual(farewell, { code: 1008, reason: 'too slow to keep up' });
  const stalledGot = stalled.frames.filter((frame) => frame.name === 'flood').length;
  assert.ok(stalledGot < published, `the stalled reader got all ${published} messages; it was not behind`);

  for (let i = 0; i < published; i += 1) {
    const frame = await live.next();
    assert.equal(frame.name, 'flood');
    assert.equal(frame.msg.slice(0, frame.msg.indexOf(' ')), String(i), 'the live reader lost or reordered one');
  }
  assert.equal(live.closeInfo, undefined, 'the live reader must stay connected');
  live.ws.close(1000);
  await live.closed;
  t.diagnostic(`dropped after ${published} publishes; the stalled reader had received ${stalledGot}`);
});
