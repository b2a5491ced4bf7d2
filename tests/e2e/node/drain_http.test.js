// HTTP while spreadd drains: a subscriber that does not answer the close holds the shutdown open
// until the test lets it go; every request made meanwhile must be answered 503 (or refused at
// once), never left hanging until the drain ends.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { RECEIVE_TIMEOUT_MS, Subscriber, publish, startDaemon, withTimeout } = require('./harness');

// Far longer than the test: only the stalled client, released by the test, ends the drain.
const GRACE_MS = 60000;
const PROBES = 40;

/** One request's outcome: its status and body, or why the connection failed. */
async function attempt(request) {
  try {
    const response = await request();
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { refused: error.cause?.code ?? error.message };
  }
}

test('requests during the drain are answered 503 or refused, never left hanging', async (t) => {
  const daemon = await startDaemon(t, {
    'spread.shutdownGraceMs': GRACE_MS,
    'transport.websocket.closeTimeoutMs': GRACE_MS,
  });
  const stalled = await Subscriber.connect(daemon);
  const live = await Subscriber.connect(daemon);
  await stalled.ready();
  await live.ready();
  stalled.ws._socket.pause();  // it reads, and so answers, the server's close only when resumed

  const stopping = daemon.stop();
  await live.closed;  // the broker has closed its topics: the drain is under way
  const outcomes = [];
  for (let i = 0; i < PROBES; i += 1) {
    const request = i % 2 === 0 ? () => fetch(daemon.httpUrl('/healthz'))
                                : () => publish(daemon, 'late', `during the drain ${i}`);
    // A request the server left hanging would hang until the drain ends, and the drain cannot
    // end before this loop does: the timeout only bounds that hang.
    const outcome = await withTimeout(attempt(request), RECEIVE_TIMEOUT_MS, `request ${i} to be answered or refused`);
    outcomes.push(outcome);
    if (!outcome.refused) assert.equal(outcome.status, 503, JSON.stringify(outcome));
  }
  assert.equal(stalled.closeInfo, undefined, 'the stalled client no longer held the drain open');
  stalled.ws._socket.resume();
  assert.equal((await withTimeout(stalled.closed, RECEIVE_TIMEOUT_MS, 'the released client to close')).code, 1001);
  await stopping;
  t.diagnostic(`${outcomes.filter((o) => o.status === 503).length} answered 503, ` +
               `${outcomes.filter((o) => o.refused).length} refused`);
});
