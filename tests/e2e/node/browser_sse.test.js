// Server-sent events in headless Chromium: an EventSource opened by a page on the server's own
// origin receives what is published, with EPOCH-OFFSET ids; when spreadd restarts on the same
// port the browser reconnects by itself, sending Last-Event-ID, which the new server answers
// with a resume event saying the epoch changed; then it receives new messages, none twice.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { openBrowser } = require('./browser');
const { Daemon, publish, startDaemon } = require('./harness');

const WAIT_MS = 10000;
const SSE = { 'spread.transports': 'websocket, sse', 'history.size': '10', 'history.ttlMs': '600000',
              'transport.sse.retryMs': '200' };

test('an EventSource receives messages and resumes with Last-Event-ID after a restart', async (t) => {
  const daemon = await startDaemon(t, SSE);
  const context = await openBrowser(t);
  const page = await context.newPage();
  await page.goto(daemon.httpUrl('/healthz'));
  await page.evaluate(() => {
    window.got = { messages: [], resumes: [], closes: [], opens: 0 };
    const source = new EventSource('/events?topic=room&last=0');
    source.onopen = () => { window.got.opens += 1; };
    source.onmessage = (event) => window.got.messages.push({ id: event.lastEventId, ...JSON.parse(event.data) });
    source.addEventListener('resume', (event) => window.got.resumes.push(JSON.parse(event.data)));
    source.addEventListener('close', (event) => window.got.closes.push(JSON.parse(event.data)));
  });
  await page.waitForFunction(() => window.got.resumes.length === 1, null, { timeout: WAIT_MS });
  assert.equal((await publish(daemon, 'e2e', 'before', 'room')).status, 204);
  await page.waitForFunction(() => window.got.messages.length === 1, null, { timeout: WAIT_MS });
  const [before] = await page.evaluate(() => window.got.messages);
  assert.equal(before.msg, 'before');
  assert.equal(before.id, `${before.epoch}-${before.offset}`);

  await daemon.stop();
  await page.waitForFunction(() => window.got.closes.length === 1, null, { timeout: WAIT_MS });
  assert.equal((await page.evaluate(() => window.got.closes[0])).code, 1001);
  const again = await new Daemon({ ...SSE, 'transport.websocket.port': daemon.port }).start();
  t.after(async () => {
    try {
      if (!again.stopped) await again.stop();
    } finally {
      again.cleanup();
    }
  });
  // The URL still says last=0; a resume report of "impossible" can only come from the
  // Last-Event-ID header the browser added.
  await page.waitForFunction(() => window.got.resumes.length === 2, null, { timeout: WAIT_MS });
  const resumed = await page.evaluate(() => window.got.resumes[1]);
  assert.equal(resumed.resume, 'impossible');
  assert.equal(resumed.reason, 'epoch changed');
  assert.equal((await publish(again, 'e2e', 'after', 'room')).status, 204);
  await page.waitForFunction(() => window.got.messages.length >= 2, null, { timeout: WAIT_MS });
  const messages = await page.evaluate(() => window.got.messages.map((m) => m.msg));
  assert.deepEqual(messages, ['before', 'after']);
  assert.ok(await page.evaluate(() => window.got.opens) >= 2);
});
