// Keepalive against Node's ws client: spreadd pings every session.pingIntervalMs; a client that
// answers (ws's automatic pong) stays connected past session.idleTimeoutMs, one that never
// answers is closed with 1001 "idle timeout" once the idle timeout has passed.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Subscriber, startDaemon, withTimeout } = require('./harness');

const PING_MS = 150;
const IDLE_MS = 500;
// Pings the answering client must get: together they span well over the idle timeout.
const PINGS_PAST_IDLE = Math.ceil((2 * IDLE_MS) / PING_MS);

test('a client that answers pings is kept; a silent one is closed as idle', async (t) => {
  const daemon = await startDaemon(t, { 'session.pingIntervalMs': PING_MS, 'session.idleTimeoutMs': IDLE_MS });
  const answering = await Subscriber.connect(daemon);
  const silent = await Subscriber.connect(daemon, undefined, { autoPong: false });
  await answering.ready();
  // The silent client's probe is the last the server hears from it.
  const since = performance.now();
  await silent.ready();

  let pings = 0;
  const enoughPings = new Promise((resolve) => {
    answering.ws.on('ping', () => { pings += 1; if (pings === PINGS_PAST_IDLE) resolve(); });
  });
  const farewell = await withTimeout(silent.closed, 10 * IDLE_MS, 'the silent client to be closed');
  assert.deepEqual(farewell, { code: 1001, reason: 'idle timeout' });
  assert.ok(performance.now() - since >= IDLE_MS * 0.9, 'closed before the idle timeout');

  await withTimeout(enoughPings, 20 * PING_MS * PINGS_PAST_IDLE, `${PINGS_PAST_IDLE} pings`);
  assert.equal(answering.closeInfo, undefined, 'the answering client was closed');
  answering.ws.send(JSON.stringify({ name: 'still', msg: 'here' }));
  assert.deepEqual(await answering.next(), { name: 'still', msg: 'here' });
  answering.ws.close(1000);
  await answering.closed;
});
