// The chat page over https in headless Chromium (driven by playwright-core), from spreadd
// serving TLS only, on a throwaway certificate from the `openssl` command that the browser
// trusts by its public key (--ignore-certificate-errors-spki-list): the page opens its wss
// socket on the same host and port, and a message one page sends arrives on the other.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { openBrowser } = require('./browser');
const { startDaemon } = require('./harness');

const ACTION_TIMEOUT_MS = 15000;

/** A self-signed certificate for 127.0.0.1, made as the README shows; its files and the
 *  base64 SHA-256 of its public key, which is what Chromium's flag names. */
function makeCertificate(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spread-e2e-tls-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const certificate = path.join(dir, 'certificate.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', key, '-out', certificate], { stdio: 'pipe', timeout: 30000 });
  const spki = new crypto.X509Certificate(fs.readFileSync(certificate)).publicKey.export({ type: 'spki', format: 'der' });
  return { certificate, key, spkiHash: crypto.createHash('sha256').update(spki).digest('base64') };
}

async function joinChat(context, url, name) {
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.problems = problems;
  await page.goto(url);
  await page.locator('#status[data-state="open"]').waitFor();
  await page.fill('#name', name);
  await page.click('#join');
  await page.locator('#whoami-name', { hasText: name }).waitFor();
  return page;
}

test('two browser pages chat over https and wss on the TLS port', async (t) => {
  const { certificate, key, spkiHash } = makeCertificate(t);
  const daemon = await startDaemon(t, {
    'transport.websocket.tls.port': 0,
    'transport.websocket.tls.certificateFile': certificate,
    'transport.websocket.tls.privateKeyFile': key,
    'transport.websocket.tls.only': 'true',
  });
  assert.ok(daemon.tlsPort, `no https endpoint${daemon.describe()}`);
  assert.equal(daemon.port, undefined, 'tls.only must not listen in plain HTTP');
  const context = await openBrowser(t, [`--ignore-certificate-errors-spki-list=${spkiHash}`]);
  const url = `https://127.0.0.1:${daemon.tlsPort}/`;
  const alice = await joinChat(context, url, 'Alice');
  const bob = await joinChat(context, url, 'Bob');
  // Each page's socket is open, and so subscribed, before its status says so.
  assert.equal(await alice.evaluate(() => location.protocol), 'https:');

  await alice.fill('#message', 'Hello over TLS');
  await alice.click('#send');
  await alice.waitForFunction(() => document.getElementById('message').value === '');
  const line = bob.locator('#messages li').filter({ has: bob.locator('.text', { hasText: 'Hello over TLS' }) });
  await line.first().waitFor();
  assert.equal(await line.first().locator('.name').textContent(), 'Alice');
  assert.deepEqual([...alice.problems, ...bob.problems], [], 'the page threw');
});
