// The chat page served at / in headless Chromium (Debian's, driven by playwright-core): two
// pages chat both ways, text with HTML in it is shown literally, the page shows its connection
// state, a page opened later shows the messages before it, and after spreadd restarts on the
// same port the page says what it could not get back, reconnects and chats again. Each page
// lists who is in the room, from the server's presence frames: the others join and leave.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { openBrowser } = require('./browser');
const { Daemon, publish, startDaemon, waitForSubscribers } = require('./harness');

const ACTION_TIMEOUT_MS = 15000;

/** Opens the chat page, waits for its socket, and joins as `name`. */
async function joinChat(context, daemon, name) {
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.problems = problems;
  await page.goto(daemon.httpUrl('/'));
  await page.locator('#status[data-state="open"]').waitFor();
  await page.fill('#name', name);
  await page.click('#join');
  await page.locator('#whoami-name', { hasText: name }).waitFor();
  // Joining starts the subscription again under the name: the room list showing this page
  // under it proves the new one is subscribed.
  await page.locator('#members li.self', { hasText: name }).waitFor();
  return page;
}

/** A page's socket is open before its subscription is registered: once the server counts
 *  every page's, a greeting must show on each of them. */
async function greetWhenAllListen(daemon, pages, greeting) {
  await waitForSubscribers(daemon, pages.length);
  assert.equal((await publish(daemon, 'e2e', greeting)).status, 204);
  await Promise.all(pages.map((page) => page.locator('#messages li', { hasText: greeting }).first().waitFor()));
}

async function say(page, text) {
  await page.fill('#message', text);
  await page.click('#send');
  // The page clears the box once the server answered 204.
  await page.waitForFunction(() => document.getElementById('message').value === '');
}

/** The first chat line whose text is exactly `text`, once it is there: { name, text, html }. */
async function lineSaying(page, text) {
  const line = page.locator('#messages li').filter({ has: page.locator('.text', { hasText: text }) }).last();
  await line.waitFor();
  return {
    name: await line.locator('.name').textContent(),
    text: await line.locator('.text').textContent(),
    html: await line.locator('.text').innerHTML(),
  };
}

test('two browser pages chat through spreadd, HTML shown literally, reconnecting after a restart',
  async (t) => {
    const daemon = await startDaemon(t);
    const context = await openBrowser(t);
    const alice = await joinChat(context, daemon, 'Alice');
    const bob = await joinChat(context, daemon, 'Bob');
    await greetWhenAllListen(daemon, [alice, bob], 'welcome');
    assert.equal(await alice.textContent('#status'), 'connected');

    await say(alice, 'Hi Bob!');
    assert.deepEqual(await lineSaying(bob, 'Hi Bob!'), { name: 'Alice', text: 'Hi Bob!', html: 'Hi Bob!' });
    await say(bob, 'Hello Alice');
    assert.equal((await lineSaying(alice, 'Hello Alice')).name, 'Bob');

    const markup = '<b>x</b> & <img src=x onerror="window.pwned=1">';
    await say(alice, markup);
    const shown = await lineSaying(bob, markup);
    assert.equal(shown.text, markup, 'the text must be shown as typed');
    assert.equal(await bob.locator('#messages li b, #messages li img').count(), 0, 'markup was rendered');
    assert.equal(await bob.evaluate(() => window.pwned), undefined);

    // A page opened now shows what was said before it came (the server keeps history).
    const carol = await joinChat(context, daemon, 'Carol');
    assert.equal((await lineSaying(carol, 'Hello Alice')).name, 'Bob');
    assert.equal(await carol.locator('#messages li', { hasText: 'Hi Bob!' }).count(), 1);
    await carol.close();

    const shots = process.env.E2E_SCREENSHOT_DIR || daemon.dir;
    const shot = path.join(shots, 'chat-bob.png');
    await bob.screenshot({ path: shot });
    assert.ok(fs.statSync(shot).size > 0);
    t.diagnostic(`screenshot: ${shot}`);

    // Stop the server: the page says so; start it again on the same port: the page reconnects.
    await daemon.stop();
    await bob.locator('#status[data-state="closed"]').waitFor();
    assert.match(await bob.textContent('#status'), /^disconnected \(1001 server shutting down\)/);
    const again = await new Daemon({ 'transport.websocket.port': daemon.port }).start();
    t.after(async () => {
      try {
        await again.stop();
      } finally {
        again.cleanup();
      }
    });
    await alice.locator('#status[data-state="open"]').waitFor({ timeout: 30000 });
    await bob.locator('#status[data-state="open"]').waitFor({ timeout: 30000 });
    // What was said while the server was down is lost with its history: the page says so.
    await alice.locator('#messages li', { hasText: 'The server restarted' }).waitFor();
    await greetWhenAllListen(again, [alice, bob], 'welcome back');
    await say(bob, 'Back again');
    assert.equal((await lineSaying(alice, 'Back again')).name, 'Bob');
    assert.deepEqual([...alice.problems, ...bob.problems], [], 'the page threw');
  });

/** The names a page lists in its room, in order. */
async function roomOf(page) {
  return page.locator('#members li').allTextContents();
}

test('two browser pages see each other in the room list, and see one leave', async (t) => {
  const daemon = await startDaemon(t);
  const context = await openBrowser(t);
  const alice = await joinChat(context, daemon, 'Alice');
  const bob = await joinChat(context, daemon, 'Bob');
  await alice.locator('#members li', { hasText: 'Bob' }).waitFor();
  assert.deepEqual(await roomOf(alice), ['Alice (you)', 'Bob']);
  assert.deepEqual(await roomOf(bob), ['Alice', 'Bob (you)']);
  assert.equal(await bob.textContent('#room-count'), '2');

  await bob.close();
  await alice.locator('#members li', { hasText: 'Bob' }).waitFor({ state: 'detached' });
  assert.deepEqual(await roomOf(alice), ['Alice (you)']);
  assert.equal(await alice.textContent('#room-count'), '1');
  assert.deepEqual(alice.problems, [], 'the page threw');
});
