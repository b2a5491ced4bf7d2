// HTTP while spreadd drains: a subscriber that never answers the close holds the shutdown open
// for most of the grace period; every request made meanwhile must be answered 503 at once (or
// refused at once), never left hanging until the process exits.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Subscriber, publish, startDaemon, withTimeout } = require('./harness');

const GRACE_MS = 4000;
// Probing lasts this long into the drain: well past the HTTP server's acceptor stopping
// (it polls every 250 ms), well before the grace period ends.
const PROBE_FOR_MS = 1200;
const ANSWER_WITHIN_MS = 1000;

/** One request's outcome: its status and body, or why the connection failed. */
async function attempt(request) {
  try {
    const response = await request();
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { refused: error.cause?.code ?? error.message };
  }
}

test('requests during the drain are answered 503 or refused at once', async (t) => {
  const daemon = await startDaemon(t, {
    'spread.shutdownGraceMs': GRACE_MS,
    'transport.websocket.closeTimeoutMs': 60000,
  });
  const stalled = await Subscriber.connect(daemon);
  const live = await Subscriber.connect(daemon);
  await stalled.ready();
  await live.ready();
  stalled.ws._socket.pause();  // it will never read, let alone answer, the server's close

  const stopping = daemon.stop();
  await live.closed;  // the broker has closed its topics: the drain is under way
  const drainStarted = performance.now();
  const outcomes = [];
  for (let i = 0; performance.now() - drainStarted < PROBE_FOR_MS; i += 1) {
    const request = i % 2 === 0 ? () => fetch(daemon.httpUrl('/healthz'))
                                : () => publish(daemon, 'late', `during the drain ${i}`);
    const outcome = await withTimeout(attempt(request), ANSWER_WITHIN_MS,
      `request ${i}, ${Math.round(performance.now() - drainStarted)} ms into the drain, to be answered or refused`);
    outcomes.push(outcome);
    // Refused or reset at once is fine too: a client can tell that apart from a hang.
    if (!outcome.refused) assert.equal(outcome.status, 503, JSON.stringify(outcome));
  }
  assert.equal(stalled.closeInfo, undefined, 'the stalled client no longer holds the drain open');
  await stopping;
  t.diagnostic(`${outcomes.filter((o) => o.status === 503).length} answered 503, ` +
               `${outcomes.filter((o) => o.refused).length} refused`);
});
