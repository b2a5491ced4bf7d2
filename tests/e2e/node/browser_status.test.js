// The status page at /status on the admin listener, in headless Chromium: with no traffic it
// shows 0 published/s and nothing above the zero line; while messages are published over HTTP
// and delivered to a subscriber, the figures and the plots' pixels move, the busiest-topics
// table names the topic, refusals get a line by reason, and the page fits a phone-width window.
// Set SPREAD_STATUS_SCREENSHOT to a path (relative to the repository root) to keep a screenshot,
// e.g. SPREAD_STATUS_SCREENSHOT=docs/status.png ctest --preset release -R browser_status.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { openBrowser } = require('./browser');
const { Subscriber, publish, startDaemon, withTimeout } = require('./harness');

const ACTION_TIMEOUT_MS = 15000;
const ADMIN_LINE = /admin listener on (http:\/\/127\.0\.0\.1:\d+\/)$/m;
const REPOSITORY = path.resolve(__dirname, '..', '..', '..');
const PUBLISH_PAUSE_MS = 20;  // paces the load, about 50 publishes a second: it synchronises nothing

/** The admin listener's URL, from its log line on stderr (awaited, with a deadline). */
async function adminUrl(daemon) {
  const found = new Promise((resolve) => {
    const look = () => {
      const match = ADMIN_LINE.exec(daemon.stderr);
      if (!match) return false;
      daemon.child.stderr.off('data', look);
      resolve(match[1]);
      return true;
    };
    if (!look()) daemon.child.stderr.on('data', look);
  });
  return withTimeout(found, ACTION_TIMEOUT_MS, `the 'admin listener on URL' log line${daemon.describe()}`);
}

/** Pixels of a plotted line (any saturated colour: the grid and the labels are grey) drawn
 *  clearly above the zero line of the messages-per-second plot. */
function pixelsAboveZero(page) {
  return page.evaluate(() => {
    const canvas = document.getElementById('messages-plot');
    const ratio = canvas.height / canvas.clientHeight;
    const zeroLine = (canvas.clientHeight - 16) * ratio;  // the page's bottom margin, in device pixels
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, Math.floor(zeroLine - 3 * ratio));
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, alpha] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (alpha > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) count += 1;
    }
    return count;
  });
}

/** Resolves once the page has drawn at least `count` snapshots. */
function samplesDrawn(page, count) {
  return page.waitForFunction((n) => Number(document.body.dataset.samples || 0) >= n, count);
}

test('the status page plots live traffic from /status.json', async (t) => {
  const daemon = await startDaemon(t, { 'transport.websocket.adminPort': 0, 'logging.level': 'information' });
  const admin = await adminUrl(daemon);
  const context = await openBrowser(t);
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  // A Content-Security-Policy violation is only reported on the console.
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.goto(admin + 'status');

  await samplesDrawn(page, 2);
  assert.equal(await page.getAttribute('#state', 'data-state'), 'live');
  assert.equal(await page.textContent('#published-rate'), '0');
  assert.equal(await pixelsAboveZero(page), 0, 'a line left zero with nothing published');

  const subscriber = await Subscriber.connect(daemon, 'e2e');
  t.after(() => subscriber.ws.terminate());
  await subscriber.ready();

  let publishing = true;
  let published = 0;
  const load = (async () => {
    while (publishing) {
      const reply = await publish(daemon, 'status', `message ${published}`, 'e2e');
      assert.equal(reply.status, 204);
      published += 1;
      // A refused publish now and then, so that refusals by reason have something to plot.
      if (published % 10 === 0) {
        const refused = await fetch(daemon.httpUrl('/publish?topic=e2e'), { method: 'POST', body: '{}' });
        assert.equal(refused.status, 415);
      }
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_PAUSE_MS));
    }
  })();
  try {
    const drawnBefore = Number(await page.getAttribute('body', 'data-samples'));
    // The figure turns from 0 to a rate once a snapshot after the first publishes is drawn.
    await page.waitForFunction(() => Number(document.getElementById('published-rate').textContent) > 0);
    // A few seconds of traffic, counted in snapshots the page drew.
    await samplesDrawn(page, drawnBefore + 4);
  } finally {
    publishing = false;
    await load;
  }

  assert.ok(await pixelsAboveZero(page) > 0, 'the messages-per-second plot did not move');
  assert.match(await page.textContent('#delivered-rate'), /^\d/);
  assert.match(await page.textContent('#latency'), /^p50 \d[\d.]* (ms|s), p99 \d/);
  assert.match(await page.textContent('#latency-count'), /^[1-9]\d* deliveries$/);
  assert.match(await page.textContent('#refusals-legend'), /unsupported_media_type/);
  const firstRow = page.locator('#topics tr').first();
  assert.equal(await firstRow.locator('td.topic').textContent(), 'e2e');
  assert.equal(await firstRow.locator('td.count').textContent(), '1');
  assert.deepEqual(problems, []);

  const shot = process.env.SPREAD_STATUS_SCREENSHOT
    ? path.resolve(REPOSITORY, process.env.SPREAD_STATUS_SCREENSHOT)
    : path.join(process.env.E2E_SCREENSHOT_DIR || daemon.dir, 'status.png');
  fs.mkdirSync(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(fs.statSync(shot).size > 0);

  // A phone-width window: the cards stack, nothing scrolls sideways.
  await page.setViewportSize({ width: 360, height: 740 });
  await samplesDrawn(page, Number(await page.getAttribute('body', 'data-samples')) + 1);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    'the page scrolls sideways at 360 px');
});
