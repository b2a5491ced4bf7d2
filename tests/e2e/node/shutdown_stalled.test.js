// SIGTERM with a subscriber that stopped reading: the responsive subscriber still gets every
// accepted message and then close 1001, the stalled one holds the drain until the grace period's
// end and is then cut off, and spreadd exits 0 within spread.shutdownGraceMs (plus a margin).
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Subscriber, publish, startDaemon, withTimeout } = require('./harness');

const GRACE_MS = 2000;
const MESSAGES = 200;

test('a stalled client cannot keep spreadd from exiting 0 within its grace period', async (t) => {
  const daemon = await startDaemon(t, {
    'spread.shutdownGraceMs': GRACE_MS,
    // Longer than the grace: only the shutdown deadline can end the stalled connection.
    'transport.websocket.closeTimeoutMs': 60000,
  });
  const stalled = await Subscriber.connect(daemon);
  const responsive = await Subscriber.connect(daemon);
  await stalled.ready();
  await responsive.ready();
  stalled.ws._socket.pause();
  for (let i = 0; i < MESSAGES; i += 1) {
    assert.equal((await publish(daemon, 'before stop', String(i))).status, 204);
  }

  const stopping = daemon.stop();
  const frames = await responsive.remainingAfterClose(GRACE_MS + 5000);
  assert.deepEqual(responsive.closeInfo, { code: 1001, reason: 'server shutting down' });
  assert.deepEqual(frames.map((frame) => frame.msg), Array.from({ length: MESSAGES }, (_, i) => String(i)));
  const took = await stopping;
  // The stalled client never answers the close, so spreadd waits for it until shortly
  // before the deadline (it keeps a reserve of at most a tenth of the grace) and then cuts it.
  assert.ok(took >= GRACE_MS * 0.8, `spreadd exited after ${took} ms: it did not wait for the stalled client`);

  stalled.ws._socket.resume();
  const ended = await withTimeout(stalled.closed, 5000, 'the stalled client to see its connection end');
  assert.ok([1001, 1006].includes(ended.code), `unexpected close ${JSON.stringify(ended)}`);
  t.diagnostic(`spreadd exited ${Math.round(took)} ms after SIGTERM; the stalled client saw ${ended.code}`);
});
