// The chat page with auth.mode = jwt, in headless Chromium: without a token it asks for one
// and says why a token was refused; with one (pasted, or in the URL fragment) the user chats
// under the token's name; when the token expires the page says so and asks for a fresh one.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { openBrowser } = require('./browser');
const { startDaemon, waitForSubscribers } = require('./harness');

const ACTION_TIMEOUT_MS = 15000;
const SECRET = 'a browser-test secret, long enough for HS256';

function base64url(text) { return Buffer.from(text).toString('base64url'); }

function makeToken(sub, ttlSeconds, secret = SECRET) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ sub, subscribe: ['*'], publish: ['chat'], iat: now, exp: now + ttlSeconds }));
  const signature = crypto.createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

async function newPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(error.message));
  return page;
}

test('the chat page asks for a token, chats under its name, and asks again when it expires', async (t) => {
  const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'spread-e2e-secret-'));
  t.after(() => fs.rmSync(keys, { recursive: true, force: true }));
  const secretFile = path.join(keys, 'secret');
  fs.writeFileSync(secretFile, `${SECRET}\n`);
  const daemon = await startDaemon(t, {
    'auth.mode': 'jwt', 'auth.jwt.hmacSecretFile': secretFile, 'auth.jwt.leewayMs': '0',
  });
  const context = await openBrowser(t);

  // No token: the page asks, saying why; a bad one is refused with the server's reason.
  const alice = await newPage(context);
  await alice.goto(daemon.httpUrl('/'));
  await alice.locator('#token-dialog[open]').waitFor();
  assert.match(await alice.textContent('#token-problem'), /needs a token/);
  await alice.fill('#token', makeToken('alice', 600, 'not the secret the server holds, but long'));
  await alice.click('#use-token');
  await alice.locator('#token-problem', { hasText: 'signature does not verify' }).waitFor();

  // A good token, pasted: the page connects and chats under the token's name.
  await alice.fill('#token', makeToken('alice', 600));
  await alice.click('#use-token');
  await alice.locator('#status[data-state="open"]').waitFor();
  assert.equal(await alice.textContent('#whoami-name'), 'alice');

  // Another page with a short-lived token in its URL fragment, which the page takes out of
  // the address bar.
  const bob = await newPage(context);
  await bob.goto(daemon.httpUrl('/') + '#token=' + makeToken('bob', 4));
  await bob.locator('#status[data-state="open"]').waitFor();
  assert.equal(await bob.textContent('#whoami-name'), 'bob');
  assert.equal(new URL(bob.url()).hash, '');
  await waitForSubscribers(daemon, 2);

  await alice.fill('#message', 'signed hello');
  await alice.click('#send');
  const line = bob.locator('#messages li').filter({ has: bob.locator('.text', { hasText: 'signed hello' }) });
  await line.waitFor();
  assert.equal(await line.locator('.name').textContent(), 'alice');

  // Bob's token expires: the server closes his socket with 1008, and the page asks for a fresh one.
  await bob.locator('#token-problem', { hasText: 'Your token expired' }).waitFor({ timeout: 20000 });
  assert.equal(await bob.textContent('#status'), 'needs a token');
  assert.deepEqual([...alice.problems, ...bob.problems], [], 'the page threw');
});
