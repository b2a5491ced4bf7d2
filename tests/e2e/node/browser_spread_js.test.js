// spread.js in headless Chromium, with the browser's own WebSocket and fetch: a page of spreadd's
// origin imports /spread.js, subscribes with the default URL (the page's own server), and shows
// a message published over HTTP from outside; a publish from the page comes back to it; and the
// chat page loads the same /spread.js (its one script from the server) with no error.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { openBrowser } = require('./browser');
const { publish, startDaemon } = require('./harness');

const ACTION_TIMEOUT_MS = 15000;

// A spreadd and a Chromium page, with the page's uncaught errors collected in `problems`.
async function serverAndPage(t) {
  const daemon = await startDaemon(t);
  const context = await openBrowser(t);
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  return { daemon, page, problems };
}

test('a browser page imports /spread.js, subscribes and publishes through it', async (t) => {
  const { daemon, page, problems } = await serverAndPage(t);

  // Any page of the server's origin will do: the library finds the server from location.
  await page.goto(daemon.httpUrl('/healthz'));
  await page.evaluate(async () => {
    const { SpreadClient } = await import('/spread.js');
    window.received = [];
    window.statuses = [];
    window.spread = new SpreadClient();
    window.subscription = window.spread.subscribe('browser', (message) => window.received.push(message), {
      onStatus: (status) => window.statuses.push(status.state),
    });
  });
  await page.waitForFunction(() => window.statuses.includes('open'));

  assert.equal((await publish(daemon, 'outside', 'hello, browser', 'browser')).status, 204);
  await page.waitForFunction(() => window.received.some((m) => m.msg === 'hello, browser'));

  const refusal = await page.evaluate(async () => {
    await window.spread.publish('browser', { name: 'page', msg: 'from the page' });
    return window.spread.publish('browser', { name: 'page' }).then(() => null, (e) => [e.status, e.reason]);
  });
  assert.deepEqual(refusal, [400, "field 'msg': is required"]);
  await page.waitForFunction(() => window.received.some((m) => m.name === 'page' && m.msg === 'from the page'));
  assert.deepEqual(await page.evaluate(() => { window.subscription.close(); return window.statuses; }),
    ['connecting', 'open', 'stopped']);
  assert.deepEqual(problems, []);
});

test('the chat page loads /spread.js from its server', async (t) => {
  const { daemon, page, problems } = await serverAndPage(t);
  // A Content-Security-Policy refusal is a console error; the browser's own favicon request
  // (a 404: the server has none) is not the page's doing.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) {
      problems.push(`${message.text()} (${message.location().url})`);
    }
  });
  const library = page.waitForResponse((response) => new URL(response.url()).pathname === '/spread.js');
  await page.goto(daemon.httpUrl('/'));
  const response = await library;
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'text/javascript; charset=utf-8');
  await page.locator('#status[data-state="open"]').waitFor();
  assert.deepEqual(problems, [], 'the page or its Content-Security-Policy complained');
});
