// 3,000 idle WebSocket subscribers on the real spreadd: every upgrade is accepted, each one
// receives a published message, and the daemon's thread count (/proc/PID/task) does not grow,
// because connections live on a fixed set of epoll loops, not a thread each.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const WebSocket = require('ws');
const { RECEIVE_TIMEOUT_MS, metrics, publish, startDaemon, waitForSubscribers, withTimeout } = require('./harness');

const SUBSCRIBERS = 3000;
const CONNECTING_AT_ONCE = 100;
const CONNECT_ALL_MS = 20000;

test(`${SUBSCRIBERS} idle subscribers are all accepted without new threads`, async (t) => {
  const daemon = await startDaemon(t);
  const threadsBefore = daemon.threads();

  const sockets = [];
  let heard = 0;
  let everyoneHeard;
  const allHeard = new Promise((resolve) => { everyoneHeard = resolve; });
  const connectOne = () => new Promise((resolve, reject) => {
    const ws = new WebSocket(daemon.wsUrl());
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('message', () => {
      heard += 1;
      if (heard === SUBSCRIBERS) everyoneHeard();
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

  // A subscription is registered just after its upgrade: once the server counts them all, one
  // message must reach every socket (each listens for its first message only).
  await waitForSubscribers(daemon, SUBSCRIBERS, 'chat', CONNECT_ALL_MS);
  assert.equal((await publish(daemon, 'probe', 'to all')).status, 204);
  await withTimeout(allHeard, RECEIVE_TIMEOUT_MS, 'every subscriber to hear the message')
    .catch((error) => { throw new Error(`${error.message}; ${heard} of ${SUBSCRIBERS} heard it`); });

  const threadsAfter = daemon.threads();
  const samples = await metrics(daemon);
  assert.equal(samples.get('spread_connections'), SUBSCRIBERS);
  assert.equal(samples.get('spread_subscribers{topic="chat"}'), SUBSCRIBERS);
  assert.equal(threadsAfter, threadsBefore, `threads grew from ${threadsBefore} to ${threadsAfter}`);
  t.diagnostic(`${SUBSCRIBERS} subscribers on ${threadsAfter} threads`);
});
