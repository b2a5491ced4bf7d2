// spread.js, the JavaScript client (plugins/websocket/web/spread.js, the file spreadd serves at
// /spread.js), against the real spreadd with the ws package's WebSocket: a round trip, publish
// errors carrying the server's status and reason, a Retry-After waited out once when asked,
// reconnecting after a restart on the same port, close() and an expired or refused token ending
// the reconnects, a token refreshed in place.
// "No more reconnects" is proven by the client's own timers: none is left pending, so nothing
// can open another socket. The backoff itself is tested on fake timers and a fake WebSocket.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const WebSocket = require('ws');
const { Daemon, startDaemon, withTimeout } = require('./harness');

const LIBRARY = path.resolve(__dirname, '../../../plugins/websocket/web/spread.js');
const STATUS_TIMEOUT_MS = 10000;
const SECRET = 'a spread.js test secret, long enough for HS256';

const library = import(LIBRARY);

/** Timers that remember which are pending, so a test can prove nothing more will happen. */
function countingTimers() {
  const pending = new Set();
  return {
    pending,
    setTimeout(task, ms) {
      const id = setTimeout(() => { pending.delete(id); task(); }, ms);
      pending.add(id);
      return id;
    },
    clearTimeout(id) {
      pending.delete(id);
      clearTimeout(id);
    },
  };
}

/** A ws WebSocket that counts the sockets made. */
function countingWebSocket() {
  const made = [];
  class Counted extends WebSocket {
    constructor(url) {
      super(url);
      made.push(url);
    }
  }
  return { Counted, made };
}

/** Records a subscription's statuses and messages, and awaits them with deadlines. */
class Recorder {
  constructor() {
    this.statuses = [];
    this.messages = [];
    this.replies = [];
    this.waiters = [];
    this.onStatus = (status) => { this.statuses.push(status); this.wake(); };
    this.onMessage = (message) => { this.messages.push(message); this.wake(); };
    this.onReply = (reply) => { this.replies.push(reply); this.wake(); };
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the first entry of `list` from index `from` on that satisfies `match`. */
  async await(list, match, what, from = 0, timeoutMs = STATUS_TIMEOUT_MS) {
    let waiter;
    const found = new Promise((resolve) => {
      waiter = () => {
        const hit = this[list].slice(from).find(match);
        if (hit) resolve(hit);
      };
      this.waiters.push(waiter);
      waiter();
    });
    try {
      return await withTimeout(found, timeoutMs, `${what} (${list} so far: ${JSON.stringify(this[list])})`);
    } finally {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
    }
  }

  status(state, from = 0, timeoutMs = STATUS_TIMEOUT_MS) {
    return this.await('statuses', (s) => s.state === state, `status '${state}'`, from, timeoutMs);
  }

  message(msg) { return this.await('messages', (m) => m.msg === msg, `message '${msg}'`); }
}

async function client(daemon, options = {}) {
  const { SpreadClient } = await library;
  return new SpreadClient({ url: daemon.httpUrl('/'), WebSocket, ...options });
}

test('Backoff doubles from 0.5 s to at most 15 s with jitter, and resets', async () => {
  const { Backoff } = await library;
  const low = new Backoff({ random: () => 0 });
  const high = new Backoff({ random: () => 0.99 });
  const lows = Array.from({ length: 8 }, () => low.next());
  const highs = Array.from({ length: 8 }, () => high.next());
  assert.deepEqual(lows, [500, 500, 1000, 2000, 4000, 8000, 15000, 15000]);
  assert.deepEqual(highs, [745, 1490, 2980, 5960, 11920, 15000, 15000, 15000]);
  low.reset();
  assert.equal(low.next(), 500);
  assert.throws(() => new Backoff({ minMs: 0 }), /0 < minMs <= maxMs/);
});

test('a subscription retries on fake time, resets its backoff after a stable connection, stops on close()',
  async () => {
    const { SpreadClient } = await library;
    // Fake time: timers run only when the test says; sockets open and close when it says.
    const timers = [];
    const fakeTimers = {
      setTimeout(task, ms) { timers.push({ task, ms }); return timers.length - 1; },
      clearTimeout(id) { if (id !== null && id !== undefined && timers[id]) timers[id].task = null; },
    };
    const due = () => timers.filter((t) => t.task);
    const fire = (ms) => {
      const timer = due().find((t) => t.ms === ms);
      assert.ok(timer, `no pending ${ms} ms timer in ${JSON.stringify(due().map((t) => t.ms))}`);
      const { task } = timer;
      timer.task = null;
      task();
    };
    const sockets = [];
    class FakeSocket extends EventTarget {
      constructor(url) { super(); this.url = url; sockets.push(this); }
      send() {}
      close(code) { this.closedWith = code; }
      emit(type, fields = {}) { this.dispatchEvent(Object.assign(new Event(type), fields)); }
    }
    const fetch = async () => new Response('{"mode":"none"}', { status: 200 });
    const spread = new SpreadClient({
      url: 'https://example.test/chat/', WebSocket: FakeSocket, fetch, timers: fakeTimers, random: () => 0.5,
    });
    const seen = new Recorder();
    const subscription = spread.subscribe('room-1', seen.onMessage, { onStatus: seen.onStatus });
    assert.equal(sockets[0].url, 'wss://example.test/chat/subscribe?topic=room-1');

    // Opened then dropped at once: the backoff grows (500, 1000, 2000 ms at r = 0.5).
    for (const delay of [500, 1000, 2000]) {
      sockets.at(-1).emit('open');
      sockets.at(-1).emit('close', { code: 1006, reason: '' });
      assert.deepEqual(seen.statuses.at(-1), { state: 'retrying', delayMs: delay, attempt: sockets.length });
      fire(delay);
    }
    // Up for stableMs: the next drop starts again from 500 ms.
    sockets.at(-1).emit('open');
    fire(5000);
    sockets.at(-1).emit('message', { data: '{"name":"n","msg":"m"}' });
    assert.deepEqual(seen.messages, [{ name: 'n', msg: 'm' }]);
    sockets.at(-1).emit('close', { code: 1001, reason: 'server shutting down' });
    assert.deepEqual(seen.statuses.at(-2),
      { state: 'closed', code: 1001, reason: 'server shutting down', wasOpen: true });
    assert.equal(seen.statuses.at(-1).delayMs, 500);

    // close() while waiting to retry: the timer is cancelled and no socket is made.
    const made = sockets.length;
    subscription.close();
    assert.deepEqual(seen.statuses.at(-1), { state: 'stopped', reason: 'closed by the client' });
    assert.deepEqual(due(), []);
    assert.equal(sockets.length, made);
  });

test('a subscription stopped by an expired token starts again on setToken(), unless it was closed', async () => {
  const { SpreadClient } = await library;
  const sockets = [];
  class FakeSocket extends EventTarget {
    constructor(url) { super(); this.url = url; this.sent = []; sockets.push(this); }
    send(text) { this.sent.push(text); }
    close() {}
    emit(type, fields = {}) { this.dispatchEvent(Object.assign(new Event(type), fields)); }
  }
  const timers = countingTimers();
  const spread = new SpreadClient({ url: 'http://example.test', token: 'old', WebSocket: FakeSocket, timers });
  const seen = new Recorder();
  const kept = spread.subscribe(null, seen.onMessage, { onStatus: seen.onStatus });
  const dropped = spread.subscribe('other', () => {});
  for (const socket of sockets) socket.emit('open');
  for (const socket of sockets) socket.emit('close', { code: 1008, reason: 'token expired' });
  assert.deepEqual(seen.statuses.at(-1), { state: 'stopped', code: 1008, reason: 'token expired' });
  assert.equal(timers.pending.size, 0);
  dropped.close();
  spread.setToken('new');
  assert.deepEqual(sockets.map((socket) => socket.url), [
    'ws://example.test/subscribe?token=old', 'ws://example.test/subscribe?topic=other&token=old',
    'ws://example.test/subscribe?token=new']);
  sockets[2].emit('open');
  spread.setToken('newer');
  assert.deepEqual(sockets[2].sent, ['{"token":"newer"}']);
  kept.close();
  assert.equal(timers.pending.size, 0);
});

test('a handshake nobody answers is given up after openTimeoutMs, and retried', async () => {
  const { SpreadClient } = await library;
  const timers = [];
  const fakeTimers = {
    setTimeout(task, ms) { timers.push({ task, ms }); return timers.length - 1; },
    clearTimeout(id) { if (timers[id]) timers[id].task = null; },
  };
  const sockets = [];
  class SilentSocket extends EventTarget {
    constructor(url) { super(); sockets.push(this); }
    close() { this.closedByClient = true; }
  }
  let asked = 0;
  const fetch = async () => { asked += 1; return new Response('{"mode":"none"}', { status: 200 }); };
  const spread = new SpreadClient({ url: 'http://example.test', WebSocket: SilentSocket, fetch, timers: fakeTimers,
                                    random: () => 0.5 });
  const seen = new Recorder();
  spread.subscribe(null, seen.onMessage, { onStatus: seen.onStatus });
  const deadline = timers.find((t) => t.task && t.ms === 10000);
  assert.ok(deadline, 'no open deadline was set');
  deadline.task();
  assert.equal(sockets[0].closedByClient, true);
  assert.deepEqual(seen.statuses[1],
    { state: 'closed', code: 1006, reason: 'not open within 10000 ms', wasOpen: false });
  const retrying = await seen.status('retrying');
  assert.equal(retrying.delayMs, 500);
  assert.equal(asked, 1, 'a connection that never opened is followed by GET /auth');
});

test('bad arguments are refused at once, naming the problem', async () => {
  const { SpreadClient } = await library;
  assert.throws(() => new SpreadClient({ url: 'http://127.0.0.1:1/' }), /pass options.WebSocket/);
  assert.throws(() => new SpreadClient({ url: 'ftp://x/', WebSocket }), /scheme must be http, https, ws or wss/);
  const spread = new SpreadClient({ url: 'http://127.0.0.1:1/', WebSocket });
  assert.throws(() => spread.subscribe('-room', () => {}), /bad topic "-room"/);
  await assert.rejects(spread.publish('a/b', { name: 'n', msg: 'm' }), /bad topic "a\/b"/);
});

test('publish and subscribe round trip through spreadd; refusals carry status and reason', async (t) => {
  const daemon = await startDaemon(t, { 'transport.websocket.bodyBytesMax': '1024' });
  const spread = await client(daemon);
  const seen = new Recorder();
  const subscription = spread.subscribe('room1', seen.onMessage, { onStatus: seen.onStatus, onReply: seen.onReply });
  t.after(() => subscription.close());
  await seen.status('open');

  await spread.publish('room1', { name: 'ann', msg: 'hello over http' });
  const overHttp = await seen.message('hello over http');
  assert.deepEqual({ name: overHttp.name, msg: overHttp.msg }, { name: 'ann', msg: 'hello over http' });
  assert.match(overHttp.epoch, /^[0-9a-f]{16}$/, 'with history kept, a message carries its epoch');
  assert.ok(Number.isSafeInteger(overHttp.offset) && overHttp.offset > 0);
  assert.equal(subscription.send({ name: 'bob', msg: 'hello over ws' }), true);
  const overWs = await seen.message('hello over ws');
  assert.deepEqual([overWs.name, overWs.offset], ['bob', overHttp.offset + 1]);
  assert.equal(subscription.send({ name: 'bob' }), true);
  const reply = await seen.await('replies', (r) => r.field === 'msg', 'an error frame naming msg');
  assert.match(reply.error, /msg/);

  const { SpreadError } = await library;
  const missing = await spread.publish('room1', { name: 'ann' }).then(() => null, (error) => error);
  assert.ok(missing instanceof SpreadError, String(missing));
  assert.equal(missing.status, 400);
  assert.equal(missing.field, 'msg');
  assert.equal(missing.reason, "field 'msg': is required");
  assert.match(missing.message, /^POST \/publish\?topic=room1 answered 400: field 'msg': is required$/);

  const tooBig = await spread.publish('room1', { name: 'ann', msg: 'x'.repeat(2000) }).then(() => null, (e) => e);
  assert.equal(tooBig.status, 413);
  assert.match(tooBig.reason, /1024/);
  assert.deepEqual(seen.statuses.map((s) => s.state), ['connecting', 'open']);
});

test('query adds parameters to the subscribe URL; onPresence gets the presence frames; presence() lists', async (t) => {
  const daemon = await startDaemon(t);
  const spread = await client(daemon);
  const watcher = new Recorder();
  const presence = [];
  const watching = spread.subscribe('room1', watcher.onMessage, {
    onStatus: watcher.onStatus, onReply: watcher.onReply, query: { name: 'ann', presence: 1 },
    onPresence: (frame) => { presence.push(frame); watcher.wake(); },
  });
  t.after(() => watching.close());
  watcher.presence = presence;
  const members = await watcher.await('presence', (f) => f.presence === 'members', 'the members frame');
  assert.deepEqual(members.members.map((m) => m.name), ['ann']);
  assert.equal(members.self, members.members[0].id);

  const other = new Recorder();
  const bob = spread.subscribe('room1', other.onMessage, { onStatus: other.onStatus, query: { name: 'bob' } });
  const joined = await watcher.await('presence', (f) => f.presence === 'join', 'bob joining');
  assert.equal(joined.name, 'bob');
  const listed = await spread.presence('room1');
  assert.deepEqual(listed.members.map((m) => m.name), ['ann', 'bob']);
  assert.equal(listed.count, 2);
  bob.close();
  const left = await watcher.await('presence', (f) => f.presence === 'leave', 'bob leaving');
  assert.deepEqual(left, { presence: 'leave', id: joined.id, name: 'bob' });
  assert.deepEqual(watcher.replies, []);  // presence frames went to onPresence only

  const bad = await spread.presence('a b').then(() => null, (error) => error);
  assert.ok(bad instanceof TypeError, String(bad));
});

test('publish waits out a Retry-After once when asked, and not otherwise', async (t) => {
  // One publish a second from this address: the second in a row is 429 with Retry-After: 1.
  const daemon = await startDaemon(t, {
    'transport.websocket.addressPublishesPerSecond': '1', 'transport.websocket.addressPublishBurst': '1',
  });
  const spread = await client(daemon);
  await spread.publish(null, { name: 'ann', msg: 'first' });
  const refused = await spread.publish(null, { name: 'ann', msg: 'second' }).then(() => null, (e) => e);
  assert.equal(refused.status, 429);
  assert.equal(refused.retryAfterMs, 1000);
  assert.match(refused.reason, /too many publishes from this address/);
  // Asked to, the client waits the second the server named and the retry goes in.
  await spread.publish(null, { name: 'ann', msg: 'third' }, { retryAfterOnce: true });
});

test('a subscription comes back after spreadd restarts on the same port, until close()', async (t) => {
  const first = await startDaemon(t);
  const timers = countingTimers();
  const sockets = countingWebSocket();
  const spread = await client(first, { WebSocket: sockets.Counted, timers, retryMaxMs: 2000 });
  const seen = new Recorder();
  const subscription = spread.subscribe(null, seen.onMessage, { onStatus: seen.onStatus });
  await seen.status('open');
  await spread.publish(null, { name: 'ann', msg: 'before' });
  await seen.message('before');

  const mark = seen.statuses.length;
  await first.stop();
  const closed = await seen.status('closed', mark);
  assert.deepEqual([closed.code, closed.reason, closed.wasOpen], [1001, 'server shutting down', true]);
  await seen.status('retrying', mark);

  const again = await new Daemon({ 'transport.websocket.port': first.port }).start();
  t.after(async () => {
    try {
      if (!again.stopped) await again.stop();
    } finally {
      again.cleanup();
    }
  });
  await seen.status('open', mark, 30000);
  await spread.publish(null, { name: 'ann', msg: 'after' });
  await seen.message('after');

  // Down again, and closed while waiting to retry: nothing is left to reconnect.
  const beforeSecondStop = seen.statuses.length;
  await again.stop();
  await seen.status('retrying', beforeSecondStop);
  subscription.close();
  assert.deepEqual(seen.statuses.at(-1), { state: 'stopped', reason: 'closed by the client' });
  assert.equal(timers.pending.size, 0, 'a timer is still pending after close()');
  assert.ok(sockets.made.length >= 2);
});

test('a reconnect resumes after the last offset: replays skip what was seen, a lost gap is reported', async () => {
  const { SpreadClient } = await library;
  const sockets = [];
  class FakeSocket extends EventTarget {
    constructor(url) { super(); this.url = url; sockets.push(this); }
    send() {}
    close() {}
    emit(type, fields = {}) { this.dispatchEvent(Object.assign(new Event(type), fields)); }
    frame(object) { this.emit('message', { data: JSON.stringify(object) }); }
  }
  const timers = countingTimers();
  const spread = new SpreadClient({ url: 'http://example.test', WebSocket: FakeSocket, timers, random: () => 0.5 });
  const seen = new Recorder();
  const gaps = [];
  const subscription = spread.subscribe('room', seen.onMessage, {
    onStatus: seen.onStatus, onReply: seen.onReply, last: 5, onGap: (gap) => gaps.push(gap),
  });
  const epoch = '00000000000000aa';
  assert.equal(sockets[0].url, 'ws://example.test/subscribe?topic=room&last=5');
  sockets[0].emit('open');
  sockets[0].frame({ resume: 'ok', epoch, offset: 7, replayed: 2 });
  sockets[0].frame({ name: 'a', msg: '6', offset: 6, epoch });
  sockets[0].frame({ name: 'a', msg: '7', offset: 7, epoch });
  sockets[0].emit('close', { code: 1006, reason: '' });
  await seen.status('retrying');
  await seen.status('connecting', seen.statuses.length - 1, 2000);
  assert.equal(sockets[1].url, `ws://example.test/subscribe?topic=room&since=7&epoch=${epoch}`);
  sockets[1].emit('open');
  sockets[1].frame({ resume: 'ok', epoch, offset: 8, replayed: 1 });
  sockets[1].frame({ name: 'a', msg: '8', offset: 8, epoch });
  sockets[1].frame({ name: 'a', msg: '8', offset: 8, epoch });  // a duplicate is not delivered twice
  assert.deepEqual(seen.messages.map((m) => m.msg), ['6', '7', '8']);
  assert.deepEqual(seen.replies, [], 'resume frames are the library\'s, not the app\'s');

  const secondDrop = seen.statuses.length;
  sockets[1].emit('close', { code: 1001, reason: 'server shutting down' });
  await seen.status('connecting', secondDrop, 3000);
  assert.equal(sockets[2].url, `ws://example.test/subscribe?topic=room&since=8&epoch=${epoch}`);
  sockets[2].emit('open');
  const fresh = '00000000000000bb';
  sockets[2].frame({ resume: 'impossible', reason: 'epoch changed', epoch: fresh, offset: 0 });
  assert.deepEqual(gaps, [{ reason: 'epoch changed', epoch: fresh, offset: 0 }]);
  sockets[2].frame({ name: 'b', msg: 'new life', offset: 1, epoch: fresh });
  assert.equal(seen.messages.at(-1).msg, 'new life', 'after a gap, live messages go on');
  subscription.close();
  assert.equal(timers.pending.size, 0);
});

test('a subscription started after another one\'s position asks for what came since, not the last N', async () => {
  const { SpreadClient } = await library;
  const sockets = [];
  class FakeSocket extends EventTarget {
    constructor(url) { super(); this.url = url; sockets.push(this); }
    send() {}
    close() {}
    emit(type, fields = {}) { this.dispatchEvent(Object.assign(new Event(type), fields)); }
    frame(object) { this.emit('message', { data: JSON.stringify(object) }); }
  }
  const spread = new SpreadClient({ url: 'http://example.test', WebSocket: FakeSocket, timers: countingTimers() });
  const epoch = '00000000000000aa';
  const first = spread.subscribe('room', () => {}, { last: 5 });
  sockets[0].emit('open');
  sockets[0].frame({ resume: 'ok', epoch, offset: 9, replayed: 0 });
  sockets[0].frame({ name: 'a', msg: '10', offset: 10, epoch });
  assert.deepEqual(first.position, { offset: 10, epoch });
  first.close();

  const seen = [];
  const second = spread.subscribe('room', (m) => seen.push(m.msg), { last: 5, after: first.position });
  assert.equal(sockets[1].url, `ws://example.test/subscribe?topic=room&since=10&epoch=${epoch}`);
  sockets[1].emit('open');
  sockets[1].frame({ resume: 'ok', epoch, offset: 11, replayed: 1 });
  sockets[1].frame({ name: 'a', msg: '10', offset: 10, epoch });  // already shown by the first
  sockets[1].frame({ name: 'a', msg: '11', offset: 11, epoch });
  assert.deepEqual(seen, ['11']);
  second.close();
});

test('a server that sends no positions is not asked to resume, so no false gap is reported', async () => {
  const { SpreadClient } = await library;
  const timers = [];
  const fakeTimers = {
    setTimeout(task, ms) { timers.push({ task, ms }); return timers.length - 1; },
    clearTimeout(id) { if (id !== null && id !== undefined && timers[id]) timers[id].task = null; },
  };
  const sockets = [];
  class FakeSocket extends EventTarget {
    constructor(url) { super(); this.url = url; sockets.push(this); }
    send() {}
    close() {}
    emit(type, fields = {}) { this.dispatchEvent(Object.assign(new Event(type), fields)); }
  }
  const spread = new SpreadClient({ url: 'http://example.test', WebSocket: FakeSocket, timers: fakeTimers });
  const gaps = [];
  const subscription = spread.subscribe('room', () => {}, { last: 3, onGap: (gap) => gaps.push(gap) });
  sockets[0].emit('open');
  sockets[0].emit('message', { data: '{"resume":"ok","epoch":"00000000000000aa","offset":4,"replayed":0}' });
  sockets[0].emit('message', { data: '{"name":"n","msg":"no position"}' });
  sockets[0].emit('close', { code: 1006, reason: '' });
  const retry = timers.filter((t) => t.task).at(-1);
  retry.task();
  assert.equal(sockets[1].url, 'ws://example.test/subscribe?topic=room&last=3');
  assert.deepEqual(gaps, []);
  subscription.close();
});

test('through spreadd: a dropped socket resumes without a gap or a duplicate; a restart is reported', async (t) => {
  // A long linger: the topic, and so its history, must outlive the dropped socket.
  const first = await startDaemon(t, { 'broker.topicLingerMs': '30000' });
  const spread = await client(first, { retryMinMs: 50, retryMaxMs: 200 });
  const seen = new Recorder();
  const gaps = [];
  const subscription = spread.subscribe('resume', seen.onMessage, {
    onStatus: seen.onStatus, last: 10, onGap: (gap) => { gaps.push(gap); seen.wake(); },
  });
  t.after(() => subscription.close());
  await seen.status('open');
  await spread.publish('resume', { name: 'p', msg: 'one' });
  await seen.message('one');
  // Dropped from this side, then two messages while it is away: the resume fetches them.
  const mark = seen.statuses.length;
  await new Promise((resolve) => {
    subscription.socket.once('close', resolve);
    subscription.socket.terminate();
  });
  await spread.publish('resume', { name: 'p', msg: 'two' });
  await spread.publish('resume', { name: 'p', msg: 'three' });
  await seen.status('open', mark);
  await spread.publish('resume', { name: 'p', msg: 'four' });
  await seen.message('four');
  assert.deepEqual(seen.messages.map((m) => [m.msg, m.offset]), [['one', 1], ['two', 2], ['three', 3], ['four', 4]]);
  assert.deepEqual(gaps, []);

  const stopped = seen.statuses.length;
  await first.stop();
  await seen.status('retrying', stopped);
  const again = await new Daemon({ 'transport.websocket.port': first.port }).start();
  t.after(async () => {
    try {
      if (!again.stopped) await again.stop();
    } finally {
      again.cleanup();
    }
  });
  await seen.await('statuses', () => gaps.length > 0, 'a gap reported after the restart', stopped, 30000);
  assert.equal(gaps[0].reason, 'epoch changed');
  await spread.publish('resume', { name: 'p', msg: 'after' });
  assert.equal((await seen.message('after')).offset, 1);
});

test('close() on an open subscription closes its socket and schedules nothing', async (t) => {
  const daemon = await startDaemon(t);
  const timers = countingTimers();
  const sockets = countingWebSocket();
  const spread = await client(daemon, { WebSocket: sockets.Counted, timers });
  const seen = new Recorder();
  const subscription = spread.subscribe('quiet', seen.onMessage, { onStatus: seen.onStatus });
  await seen.status('open');
  subscription.close();
  assert.equal(subscription.open, false);
  assert.equal(timers.pending.size, 0);
  assert.equal(sockets.made.length, 1);
  assert.deepEqual(seen.statuses.map((s) => s.state), ['connecting', 'open', 'stopped']);
});

test('with tokens: expiry stops the reconnects until a new token; a refused token stops them; refresh in place',
  async (t) => {
    const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'spread-js-secret-'));
    t.after(() => fs.rmSync(keys, { recursive: true, force: true }));
    const secretFile = path.join(keys, 'secret');
    fs.writeFileSync(secretFile, `${SECRET}\n`);
    const daemon = await startDaemon(t, {
      'auth.mode': 'jwt', 'auth.jwt.hmacSecretFile': secretFile, 'auth.jwt.leewayMs': '0',
    });
    const spreadToken = process.env.SPREAD_TOKEN;
    assert.ok(spreadToken && fs.existsSync(spreadToken), `set SPREAD_TOKEN to spread-token; got '${spreadToken}'`);
    const mint = (sub, ttl) => execFileSync(spreadToken, [
      '--config', path.join(daemon.dir, 'server.properties'), '--sub', sub, '--subscribe', '*', '--publish', 'chat',
      '--ttl', String(ttl)], { encoding: 'utf8', timeout: 30000 }).trim();

    // A token that expires in 2 s: closed 1008, then stopped, with nothing pending.
    const timers = countingTimers();
    const sockets = countingWebSocket();
    const spread = await client(daemon, { token: mint('ann', 2), WebSocket: sockets.Counted, timers });
    const seen = new Recorder();
    const subscription = spread.subscribe(null, seen.onMessage, { onStatus: seen.onStatus });
    t.after(() => subscription.close());
    await seen.status('open');
    const stopped = await seen.status('stopped');
    assert.deepEqual(stopped, { state: 'stopped', code: 1008, reason: 'token expired' });
    assert.deepEqual(seen.statuses.at(-2), { state: 'closed', code: 1008, reason: 'token expired', wasOpen: true });
    assert.equal(timers.pending.size, 0, 'a reconnect is pending after the token expired');
    assert.equal(sockets.made.length, 1);

    // A fresh token starts it again; what the holder publishes arrives under its name.
    const mark = seen.statuses.length;
    spread.setToken(mint('ann', 600));
    await seen.status('open', mark);
    await spread.publish(null, { msg: 'signed' });
    assert.equal((await seen.message('signed')).name, 'ann');

    // A token the server refuses: the upgrade fails, /auth says why, and the client stops.
    // The signature's first character changed (its last may carry only padding bits).
    const [header, payload, signature] = mint('eve', 600).split('.');
    const forged = `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const refusedTimers = countingTimers();
    const refusedClient = await client(daemon, { token: forged, timers: refusedTimers });
    const refused = new Recorder();
    const refusal = refusedClient.subscribe(null, refused.onMessage, { onStatus: refused.onStatus });
    t.after(() => refusal.close());
    const denial = await refused.status('stopped');
    assert.equal(denial.status, 401);
    assert.match(denial.reason, /signature/);
    assert.equal(refusedTimers.pending.size, 0);

    // setToken() on an open socket sends the refresh frame, which the server accepts.
    const replies = new Recorder();
    const bobsClient = await client(daemon, { token: mint('bob', 600) });
    const bob = bobsClient.subscribe(null, replies.onMessage, { onStatus: replies.onStatus, onReply: replies.onReply });
    t.after(() => bob.close());
    await replies.status('open');
    bobsClient.setToken(mint('bob', 900));
    assert.deepEqual(await replies.await('replies', (r) => r.token, 'the refresh answer'), { token: 'accepted' });
  });
