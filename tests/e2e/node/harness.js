// Runs the real spreadd for a Node end-to-end test: writes a temporary config (127.0.0.1, port 0),
// starts the program named by $SPREADD, awaits its "spreadd: ready" line with a deadline (noting
// the "spreadd: listening websocket URL" lines before it, http and https), and stops it with
// SIGTERM, checking that it exits 0 within its grace period.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');

const LISTENING = /^spreadd: listening websocket (https?):\/\/127\.0\.0\.1:(\d+)\/$/gm;
const READY = /^spreadd: ready$/m;
const READY_TIMEOUT_MS = 20000;
// Allowance over the grace period for exiting: the runtime's teardown, ASan's leak check.
const EXIT_MARGIN_MS = 10000;
const RECEIVE_TIMEOUT_MS = 10000;
const PROBE_NAME = '__probe__';

const BASE_CONFIG = {
  'spread.transports': 'websocket',
  'spread.shutdownGraceMs': '3000',
  'session.pingIntervalMs': '60000',
  'session.idleTimeoutMs': '120000',
  'transport.websocket.host': '127.0.0.1',
  'transport.websocket.port': '0',
  // Every test client comes from 127.0.0.1, and some publish flat out: the limits per
  // address and the publish rates are lifted here, and set by the tests of the limits.
  'transport.websocket.connectionsPerAddressMax': '100000',
  'transport.websocket.addressPublishesPerSecond': '0',
  'session.publishesPerSecond': '0',
  'logging.level': 'warning',
};

/** Resolves with `promise`, or rejects naming `what` if it takes longer than `ms`. */
function withTimeout(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

class Daemon {
  /** `overrides` replace or add config keys. */
  constructor(overrides = {}) {
    this.config = { ...BASE_CONFIG };
    for (const [key, value] of Object.entries(overrides)) this.config[key] = String(value);
    this.stdout = '';
    this.stderr = '';
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spread-e2e-'));
  }

  get graceMs() { return Number(this.config['spread.shutdownGraceMs']); }
  httpUrl(pathAndQuery) { return `http://127.0.0.1:${this.port}${pathAndQuery}`; }
  wsUrl(pathAndQuery = '/subscribe') { return `ws://127.0.0.1:${this.port}${pathAndQuery}`; }
  describe() { return `\n--- spreadd stdout ---\n${this.stdout}\n--- spreadd stderr ---\n${this.stderr}`; }

  async start() {
    const spreadd = process.env.SPREADD;
    if (!spreadd || !fs.existsSync(spreadd)) {
      throw new Error(`set SPREADD to the spreadd executable (ctest passes $<TARGET_FILE:spreadd>); got '${spreadd}'`);
    }
    const configPath = path.join(this.dir, 'server.properties');
    fs.writeFileSync(configPath, Object.entries(this.config).map(([k, v]) => `${k} = ${v}\n`).join(''));
    this.child = spawn(spreadd, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr.on('data', (chunk) => { this.stderr += chunk; });
    const listening = new Promise((resolve, reject) => {
      this.child.stdout.on('data', (chunk) => {
        this.stdout += chunk;
        if (!READY.test(this.stdout)) return;
        for (const [, scheme, port] of this.stdout.matchAll(LISTENING)) {
          if (scheme === 'https') this.tlsPort = Number(port);
          else this.port = Number(port);
        }
        resolve();
      });
      this.exited.then(({ code, signal }) =>
        reject(new Error(`spreadd exited (${code ?? signal}) before listening${this.describe()}`)));
    });
    try {
      await withTimeout(listening, READY_TIMEOUT_MS, "spreadd's 'ready' line");
    } catch (error) {
      this.kill();
      throw error;
    }
    return this;
  }

  /** Sends SIGTERM; resolves with the milliseconds the exit took, rejects unless it was status 0
   *  within the grace period plus a margin, with "spreadd: stopped" printed. */
  async stop() {
    const sentAt = performance.now();
    this.child.kill('SIGTERM');
    const limit = this.graceMs + EXIT_MARGIN_MS;
    const { code, signal } = await withTimeout(this.exited, limit, 'spreadd to exit after SIGTERM')
      .catch((error) => { this.kill(); throw new Error(error.message + this.describe()); });
    const took = performance.now() - sentAt;
    if (code !== 0) throw new Error(`spreadd exited with ${code ?? signal} after SIGTERM${this.describe()}`);
    if (!this.stdout.includes('spreadd: stopped')) {
      throw new Error(`spreadd exited 0 without printing 'spreadd: stopped'${this.describe()}`);
    }
    this.stopped = true;
    return took;
  }

  /** Last resort after a failed test: never leave a daemon behind. */
  kill() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  cleanup() {
    this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Thread count of the daemon, from /proc. */
  threads() { return fs.readdirSync(`/proc/${this.child.pid}/task`).length; }
}

/** POST /publish with fetch; resolves with the Response. */
function publish(daemon, name, msg, topic) {
  const query = topic ? `?topic=${encodeURIComponent(topic)}` : '';
  return fetch(daemon.httpUrl(`/publish${query}`), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, msg }),
  });
}

/** GET /metrics as a Map from "name{labels}" to its value. */
async function metrics(daemon) {
  const response = await fetch(daemon.httpUrl('/metrics'));
  if (response.status !== 200) throw new Error(`GET /metrics: ${response.status}`);
  const samples = new Map();
  for (const line of (await response.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** Resolves once `topic` has `count` registered subscribers, by GET /metrics (a subscription is
 *  registered a moment after its upgrade, and only the server can tell when); rejects if that
 *  has not happened within `timeoutMs`. */
async function waitForSubscribers(daemon, count, topic = 'chat', timeoutMs = RECEIVE_TIMEOUT_MS) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = (await metrics(daemon)).get(`spread_subscribers{topic="${topic}"}`) ?? 0;
    if (seen === count) return;
    if (performance.now() > deadline) {
      throw new Error(`topic ${topic} has ${seen} subscribers, not ${count}, after ${timeoutMs} ms`);
    }
  }
}

/** A ws client on GET /subscribe that queues the text frames it receives, as JSON. While the
 *  server keeps history (history.size, on by default) each message carries "offset" and
 *  "epoch"; these suites check what was said, so the two are taken off each message and kept
 *  in `offsets` (tests/e2e/python/test_history.py and spread_js.test.js check them). */
class Subscriber {
  static async connect(daemon, topic, options = {}) {
    const query = topic ? `?topic=${encodeURIComponent(topic)}` : '';
    const subscriber = new Subscriber(new WebSocket(daemon.wsUrl(`/subscribe${query}`), options));
    await withTimeout(subscriber.opened, RECEIVE_TIMEOUT_MS, 'the WebSocket to open');
    return subscriber;
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.offsets = [];  // [offset, epoch] of each message received
    this.waiter = null;
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this.wake();
        resolve(this.closeInfo);
      });
    });
    ws.on('message', (data, isBinary) => {
      const frame = isBinary ? { binary: data } : JSON.parse(data.toString());
      if (typeof frame.name === 'string' && 'offset' in frame) {
        this.offsets.push([frame.offset, frame.epoch]);
        delete frame.offset;
        delete frame.epoch;
      }
      this.frames.push(frame);
      this.wake();
    });
  }

  wake() {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter();
    }
  }

  /** The next frame (probes skipped unless `keepProbes`); rejects if the connection ends first. */
  async next(timeoutMs = RECEIVE_TIMEOUT_MS, keepProbes = false) {
    for (;;) {
      while (this.frames.length > 0) {
        const frame = this.frames.shift();
        if (keepProbes || frame.name !== PROBE_NAME) return frame;
      }
      if (this.closeInfo) throw new Error(`connection closed (${JSON.stringify(this.closeInfo)}) awaiting a frame`);
      await withTimeout(new Promise((resolve) => { this.waiter = resolve; }), timeoutMs, 'a frame');
    }
  }

  /** Publishes a probe over this socket and awaits its echo: the server handles a session's
   *  events in order, so the echo proves the subscription was registered first. */
  async ready() {
    const token = `${process.pid}-${Math.random()}`;
    this.ws.send(JSON.stringify({ name: PROBE_NAME, msg: token }));
    for (;;) {
      const frame = await this.next(RECEIVE_TIMEOUT_MS, true);
      if (frame.name === PROBE_NAME && frame.msg === token) return;
    }
  }

  /** Every frame left, probes excluded, once the connection has ended. */
  async remainingAfterClose(timeoutMs = RECEIVE_TIMEOUT_MS) {
    await withTimeout(this.closed, timeoutMs, 'the connection to close');
    return this.frames.splice(0).filter((frame) => frame.name !== PROBE_NAME);
  }
}

/** Starts a daemon for one test and registers its stop (which must succeed) and cleanup. */
async function startDaemon(t, overrides) {
  const daemon = await new Daemon(overrides).start();
  t.after(async () => {
    try {
      if (!daemon.stopped) await daemon.stop();
    } finally {
      daemon.cleanup();
    }
  });
  return daemon;
}

module.exports = {
  Daemon, Subscriber, metrics, publish, startDaemon, waitForSubscribers, withTimeout, RECEIVE_TIMEOUT_MS,
};
