// 3,000 idle WebSocket subscribers on the real spreadd: every upgrade is accepted, each one
// receives a published message, and the daemon's thread count (/proc/PID/task) does not grow,
// because connections live on a fixed set of epoll loops, not a thread each.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const WebSocket = require('ws');
const { metrics, publish, startDaemon, withTimeout } = require('./harness');

const SUBSCRIBERS = 3000;
const CONNECTING_AT_ONCE = 100;
const CONNECT_ALL_MS = 20000;
const PROBE_ROUNDS_MAX = 20;
const PROBE_WAIT_MS = 1000;

test(`${SUBSCRIBERS} idle subscribers are all accepted without new threads`, async (t) => {
  const daemon = await startDaemon(t);
  const threadsBefore = daemon.threads();

  const sockets = [];
  let heard = 0;
  let someoneHeard = () => {};
  const connectOne = () => new Promise((resolve, reject) => {
    const ws = new WebSocket(daemon.wsUrl());
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('message', () => {
      heard += 1;
      someoneHeard();
    });
  });
  const connectAll = async () => {
    for (let start = 0; start < SUBSCRIBERS; start += CONNECTING_AT_ONCE) {
      const batch = Math.min(CONNECTING_AT_ONCE, SUBSCRIBERS - start);
      sockets.push(...await Promise.all(Array.from({ length: batch }, connectOne)));
    }
  };
  t.after(() => sockets.forEach((ws) => ws.terminate()));
  await withTimeout(connectAll(), CONNECT_ALL_MS, `${SUBSCRIBERS} WebSocket upgrades`);

  // A subscription is registered just after its upgrade: publish until every socket has
  // heard one (each listens for its first message only).
  for (let round = 0; heard < SUBSCRIBERS; round += 1) {
    assert.ok(round < PROBE_ROUNDS_MAX, `only ${heard} of ${SUBSCRIBERS} subscribers got a message`);
    assert.equal((await publish(daemon, 'probe', String(round))).status, 204);
    await withTimeout(new Promise((resolve) => {
      someoneHeard = () => { if (heard === SUBSCRIBERS) resolve(); };
      someoneHeard();
    }), PROBE_WAIT_MS, 'every subscriber to hear a probe').catch(() => {});
  }

  const threadsAfter = daemon.threads();
  const samples = await metrics(daemon);
  assert.equal(samples.get('spread_connections'), SUBSCRIBERS);
  assert.equal(samples.get('spread_subscribers{topic="chat"}'), SUBSCRIBERS);
  assert.equal(threadsAfter, threadsBefore, `threads grew from ${threadsBefore} to ${threadsAfter}`);
  t.diagnostic(`${SUBSCRIBERS} subscribers on ${threadsAfter} threads`);
});
