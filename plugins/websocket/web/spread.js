// spread.js: the JavaScript client for Spread, an ES module with no dependencies. spreadd
// serves this very file at GET /spread.js (it is compiled into the websocket plugin), and the
// Node tests import it from the source tree. Browsers: `import { SpreadClient } from
// '/spread.js'`. Node 20 has no global WebSocket: pass the `ws` package's as options.WebSocket.
//
// Everything that touches the world (WebSocket, fetch, timers, randomness) can be injected
// through the constructor, so the reconnect logic can be tested on fake time.

// The server's rule for topic names (README, "The HTTP and WebSocket API"), checked here so
// that a bad name fails at once with a message, not as a refused upgrade retried forever.
const TOPIC = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

export const DEFAULTS = Object.freeze({
  retryMinMs: 500,        // the first reconnect waits about this long
  retryMaxMs: 15000,      // and none waits longer
  stableMs: 5000,         // a connection up this long resets the backoff
  requestTimeoutMs: 10000, // deadline of each HTTP request (publish, /auth)
  openTimeoutMs: 10000,   // deadline for a WebSocket to open
  retryAfterMaxMs: 15000, // publish honours a Retry-After only up to this
});

/** An HTTP refusal (or no answer at all, status 0), with what the server said. */
export class SpreadError extends Error {
  constructor(message, { status = 0, reason = message, field, retryAfterMs, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SpreadError';
    this.status = status;   // the HTTP status; 0 when the server could not be reached
    this.reason = reason;   // the server's JSON "error", or the transport's complaint
    this.field = field;     // the server's JSON "field", when it named one
    this.retryAfterMs = retryAfterMs;  // from Retry-After (429 and 503), when sent
  }
}

/** Exponential backoff with jitter: the n-th delay (from 0) is minMs·2^n·(0.5 + r) for a
 *  random r in [0, 1), kept within [minMs, maxMs]. Jitter keeps the clients of a restarted
 *  server from coming back all at once. */
export class Backoff {
  constructor({ minMs = DEFAULTS.retryMinMs, maxMs = DEFAULTS.retryMaxMs, random = Math.random } = {}) {
    if (!(minMs > 0 && maxMs >= minMs)) {
      throw new RangeError(`backoff needs 0 < minMs <= maxMs, got ${minMs}, ${maxMs}`);
    }
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.random = random;
    this.attempt = 0;
  }

  next() {
    const base = this.minMs * 2 ** Math.min(this.attempt, 30);
    this.attempt += 1;
    return Math.round(Math.min(this.maxMs, Math.max(this.minMs, base * (0.5 + this.random()))));
  }

  reset() { this.attempt = 0; }
}

function checkTopic(topic) {
  if (topic === undefined || topic === null) return;
  if (typeof topic !== 'string' || !TOPIC.test(topic)) {
    throw new TypeError(`bad topic ${JSON.stringify(topic)}: 1 to 64 characters from [A-Za-z0-9._-], ` +
                        `not starting with '.' or '-'`);
  }
}

function retryAfterMs(response) {
  const value = response.headers.get('Retry-After');
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** One topic's subscription: a WebSocket on GET /subscribe, reopened until close(). Made by
 *  SpreadClient.subscribe(). */
class Subscription {
  constructor(client, topic, onMessage, options) {
    this.client = client;
    this.topic = topic;
    this.onMessage = onMessage;
    this.options = options;
    this.backoff = new Backoff({ minMs: client.retryMinMs, maxMs: client.retryMaxMs, random: client.random });
    this.socket = null;
    this.timer = null;        // the pending reconnect, the open deadline, or the stable-connection timer
    this.generation = 0;      // bumped by every stop and restart; stale callbacks compare it
    this.stopped = false;
    this.stoppedForToken = false;
    this.lastMessage = undefined;
    // Where the subscription is in its topic: {offset, epoch} of the last message received,
    // or of the point a resume frame named; null until the server has said. `after` starts it
    // where another subscription to the topic was, so that the new one repeats nothing.
    const after = options.after;
    this.position = after && Number.isSafeInteger(after.offset) && typeof after.epoch === 'string'
      ? { offset: after.offset, epoch: after.epoch } : null;
  }

  /** The query parameters of the next (re)connect: since/epoch once a position is known, so
   *  that the server replays what was missed; otherwise last=N when the app asked for it. */
  startQuery() {
    if (this.options.resumeQuery) return this.options.resumeQuery(this.lastMessage);
    if (this.options.resume === false) return undefined;
    if (this.position) return { since: this.position.offset, epoch: this.position.epoch };
    if (this.options.last !== undefined) return { last: this.options.last };
    return undefined;
  }

  /** A message or a resume frame: moves the position on. Returns false for a message at or
   *  before the position, which the subscription has already delivered. */
  advance(frame) {
    if (typeof frame.epoch !== 'string' || !Number.isSafeInteger(frame.offset)) {
      // A message without a position: this server keeps no history, so there is nothing to
      // resume from, and asking would only report a gap that may not be one.
      if (frame.resume === undefined) this.position = null;
      return true;
    }
    if (frame.resume !== undefined) {
      // The replay that follows an 'ok' ends at `offset`; it starts after offset - replayed.
      const replayed = frame.resume === 'ok' && Number.isSafeInteger(frame.replayed) ? frame.replayed : 0;
      this.position = { offset: frame.offset - replayed, epoch: frame.epoch };
      return true;
    }
    const known = this.position;
    if (known && known.epoch === frame.epoch && frame.offset <= known.offset) return false;
    this.position = { offset: frame.offset, epoch: frame.epoch };
    return true;
  }

  /** True while the socket is open. */
  get open() { return this.socket !== null && this.opened; }

  /** Publishes over this subscription's socket (the server answers a bad one with an error
   *  frame, given to onReply). Returns false when the socket is not open. */
  send(message) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Stops for good: closes the socket (1000), cancels any reconnect. */
  close() {
    // Also for one already stopped by its token: setToken() must not start it again.
    this.client.subscriptions.delete(this);
    this.stoppedForToken = false;
    if (!this.stopped) this.halt({ reason: 'closed by the client' });
  }

  report(status) {
    if (this.options.onStatus) this.options.onStatus(status);
  }

  connect() {
    const generation = this.generation;
    this.opened = false;
    this.report({ state: 'connecting', attempt: this.backoff.attempt });
    const extra = { ...(this.options.query ?? {}), ...(this.startQuery() ?? {}) };
    let socket;
    try {
      socket = new this.client.WebSocket(this.client.socketUrl(this.topic, extra));
    } catch (error) {
      // A bad URL or a refused scheme: as good as a connection that closed unopened.
      this.socket = null;
      this.closed(1006, error.message, false);
      return;
    }
    this.socket = socket;
    const mine = () => this.socket === socket && this.generation === generation;
    // A handshake nobody answers would otherwise hold the subscription in 'connecting' forever.
    this.timer = this.client.timers.setTimeout(() => {
      if (!mine()) return;
      this.socket = null;
      socket.close();
      this.closed(1006, `not open within ${this.client.openTimeoutMs} ms`, false);
    }, this.client.openTimeoutMs);
    socket.addEventListener('open', () => {
      if (!mine()) return;
      this.opened = true;
      this.client.timers.clearTimeout(this.timer);
      this.timer = this.client.timers.setTimeout(() => this.backoff.reset(), this.client.stableMs);
      this.report({ state: 'open' });
    });
    socket.addEventListener('message', (event) => {
      if (!mine()) return;
      let frame;
      try { frame = JSON.parse(typeof event.data === 'string' ? event.data : String(event.data)); } catch { return; }
      if (frame === null || typeof frame !== 'object') return;
      if (typeof frame.name === 'string' && typeof frame.msg === 'string') {
        if (!this.advance(frame)) return;
        this.lastMessage = frame;
        this.onMessage(frame);
      } else if (typeof frame.presence === 'string') {
        if (this.options.onPresence) this.options.onPresence(frame);  // asked for with query: {presence: 1}
      } else if (frame.resume === 'ok' || frame.resume === 'impossible') {
        this.advance(frame);
        // What was missed is gone (a restart, or it left the server's history): the app
        // is told, and the subscription carries on with live messages.
        if (frame.resume === 'impossible' && this.options.onGap) {
          this.options.onGap({ reason: frame.reason, epoch: frame.epoch, offset: frame.offset });
        }
      } else if (this.options.onReply) {
        this.options.onReply(frame);  // an error frame, or {"token":"accepted"}
      }
    });
    // A failed connection fires 'error' and then 'close', which says all there is to say;
    // the listener is still needed, as Node's ws throws an 'error' nobody listens for.
    socket.addEventListener('error', () => {});
    socket.addEventListener('close', (event) => {
      if (!mine()) return;
      const wasOpen = this.opened;
      this.socket = null;
      this.opened = false;
      this.client.timers.clearTimeout(this.timer);
      this.closed(event.code, event.reason || '', wasOpen);
    });
  }

  closed(code, reason, wasOpen) {
    this.report({ state: 'closed', code, reason, wasOpen });
    if (this.stopped) return;
    if (code === 1008 && reason === 'token expired') {
      this.halt({ code, reason }, true);
      return;
    }
    // A browser is not told why an upgrade was refused; /auth says whether the token is why.
    if (!wasOpen) this.checkAccessThenRetry();
    else this.retry();
  }

  async checkAccessThenRetry() {
    const generation = this.generation;
    let denial = null;
    try {
      const access = await this.client.access(this.topic);
      if (access.mode === 'jwt' && !access.subscribe) {
        denial = { status: 403, reason: `the token does not allow reading topic ${access.topic}` };
      }
    } catch (error) {
      if (error.status === 400 || error.status === 401 || error.status === 403) {
        denial = { status: error.status, reason: error.reason };
      }
      // Anything else (no answer, 503 while draining): the server may come back; retry.
    }
    if (generation !== this.generation || this.stopped) return;
    if (denial) this.halt(denial, denial.status !== 400);
    else this.retry();
  }

  retry() {
    const delayMs = this.backoff.next();
    const generation = this.generation;
    this.timer = this.client.timers.setTimeout(() => {
      if (generation === this.generation && !this.stopped) this.connect();
    }, delayMs);
    this.report({ state: 'retrying', delayMs, attempt: this.backoff.attempt });
  }

  halt(info, forToken = false) {
    this.stopped = true;
    this.stoppedForToken = forToken;
    this.generation += 1;
    this.client.timers.clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    this.opened = false;
    if (socket) socket.close(1000);
    this.report({ state: 'stopped', ...info });
  }

  /** The client's token changed: refresh it on an open socket, or start again if the old
   *  one is why this subscription stopped. */
  tokenChanged(token) {
    if (this.open && token) {
      this.socket.send(JSON.stringify({ token }));
    } else if (this.stopped && this.stoppedForToken) {
      this.stopped = false;
      this.stoppedForToken = false;
      this.generation += 1;
      this.backoff.reset();
      this.connect();
    }
  }
}

export class SpreadClient {
  /**
   * options:
   *   url        the server, http(s):// or ws(s):// (a path prefix is kept); in a browser,
   *              the page's own directory by default
   *   token      a bearer token for auth.mode = jwt (sent as Authorization over HTTP, as
   *              ?token= on the WebSocket, which browsers cannot give headers)
   *   WebSocket, fetch, random, timers ({setTimeout, clearTimeout}): seams for Node and tests
   *   retryMinMs, retryMaxMs, stableMs, requestTimeoutMs, retryAfterMaxMs: see DEFAULTS
   */
  constructor(options = {}) {
    const scope = globalThis;
    const url = options.url ?? (scope.location ? new URL('.', scope.location.href).href : undefined);
    if (!url) throw new TypeError('SpreadClient needs options.url (outside a browser page there is no default)');
    this.base = new URL(url);
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(this.base.protocol)) {
      throw new TypeError(`SpreadClient url ${url}: the scheme must be http, https, ws or wss`);
    }
    if (!this.base.pathname.endsWith('/')) this.base.pathname += '/';
    this.token = options.token ?? null;
    this.WebSocket = options.WebSocket ?? scope.WebSocket;
    if (typeof this.WebSocket !== 'function') {
      throw new TypeError('no WebSocket here: pass options.WebSocket (in Node 20, the ws package\'s WebSocket)');
    }
    this.fetch = options.fetch ?? (scope.fetch ? scope.fetch.bind(scope) : undefined);
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? {
      setTimeout: (task, ms) => scope.setTimeout(task, ms),
      clearTimeout: (id) => scope.clearTimeout(id),
    };
    for (const key of Object.keys(DEFAULTS)) this[key] = options[key] ?? DEFAULTS[key];
    this.subscriptions = new Set();
  }

  /** The http(s) URL of `path`, with ?topic= when a topic is given, and `extra` parameters. */
  httpUrl(path, topic, extra) {
    const url = new URL(path, this.base);
    if (url.protocol === 'ws:') url.protocol = 'http:';
    if (url.protocol === 'wss:') url.protocol = 'https:';
    if (topic) url.searchParams.set('topic', topic);
    for (const [key, value] of Object.entries(extra ?? {})) url.searchParams.set(key, String(value));
    return url;
  }

  socketUrl(topic, extra) {
    const url = this.httpUrl('subscribe', topic, extra);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token) url.searchParams.set('token', this.token);
    return url.href;
  }

  headers(extra = {}) {
    return this.token ? { ...extra, Authorization: `Bearer ${this.token}` } : extra;
  }

  /** fetch with the client's deadline; a failure to get any answer is a SpreadError, status 0. */
  async request(what, url, init) {
    if (!this.fetch) throw new TypeError('no fetch here: pass options.fetch');
    const controller = new AbortController();
    const timer = this.timers.setTimeout(() => controller.abort(), this.requestTimeoutMs);
    try {
      return await this.fetch(url, { ...init, signal: controller.signal });
    } catch (error) {
      const why = controller.signal.aborted ? `no answer within ${this.requestTimeoutMs} ms` : error.message;
      throw new SpreadError(`${what}: could not reach ${url.origin}: ${why}`, { reason: why, cause: error });
    } finally {
      this.timers.clearTimeout(timer);
    }
  }

  static async refusal(what, response) {
    const text = await response.text().catch(() => '');
    let body = {};
    try { body = JSON.parse(text); } catch { /* not JSON: the status says enough */ }
    const reason = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    return new SpreadError(`${what} answered ${response.status}: ${reason}`, {
      status: response.status, reason, field: body.field, retryAfterMs: retryAfterMs(response),
    });
  }

  /**
   * POST /publish. Resolves on 204; rejects with a SpreadError carrying the status and the
   * server's reason. With {retryAfterOnce: true}, a 429 or 503 with a Retry-After of at most
   * retryAfterMaxMs is tried once more after that wait.
   */
  async publish(topic, message, { retryAfterOnce = false } = {}) {
    checkTopic(topic);
    if (message === null || typeof message !== 'object') throw new TypeError('publish needs a {name, msg} object');
    const url = this.httpUrl('publish', topic);
    const what = `POST ${url.pathname}${url.search}`;
    const once = async () => {
      const response = await this.request(what, url, {
        method: 'POST', headers: this.headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(message),
      });
      if (response.status === 204) return null;
      return SpreadClient.refusal(what, response);
    };
    let error = await once();
    if (error && retryAfterOnce && error.retryAfterMs !== undefined && error.retryAfterMs <= this.retryAfterMaxMs) {
      await new Promise((resolve) => this.timers.setTimeout(resolve, error.retryAfterMs));
      error = await once();
    }
    if (error) throw error;
  }

  /** GET /auth: what this client's token allows on `topic` ({mode: 'none'} without tokens);
   *  rejects with a SpreadError for a bad topic (400) or a token refused (401). */
  async access(topic) {
    checkTopic(topic);
    const url = this.httpUrl('auth', topic);
    const response = await this.request('GET /auth', url, { headers: this.headers(), cache: 'no-store' });
    if (response.status !== 200) throw await SpreadClient.refusal('GET /auth', response);
    return response.json();
  }

  /** GET /presence: who is subscribed to `topic`, {topic, count, members: [{id, name}],
   *  truncated}; rejects with a SpreadError for a bad topic (400) or a refused token. */
  async presence(topic) {
    checkTopic(topic);
    const url = this.httpUrl('presence', topic);
    const response = await this.request('GET /presence', url, { headers: this.headers(), cache: 'no-store' });
    if (response.status !== 200) throw await SpreadClient.refusal('GET /presence', response);
    return response.json();
  }

  /**
   * Subscribes to `topic` (the server's default topic when null). onMessage gets each
   * {name, msg} message; while the server keeps history it also carries {offset, epoch}, its
   * place in the topic. After a reconnect the subscription asks the server for what it
   * missed (?since=offset&epoch=), so messages arrive once each and without a gap, or
   * onGap says they could not. options:
   *   onStatus(s)  s.state is 'connecting' {attempt}, 'open', 'closed' {code, reason, wasOpen},
   *                'retrying' {delayMs, attempt}, or 'stopped' {reason, code?, status?}: no more
   *                reconnects, after close(), a 1008 'token expired', or a token /auth refuses
   *                (setToken() starts the last two again)
   *   onReply(f)   every other frame: error frames {error, field}, {"token":"accepted"}
   *   query        extra query parameters for the subscribe URL, on every (re)connect, e.g.
   *                {name: 'ann', presence: 1} to be listed as ann and told who is there
   *   onPresence(f)  presence frames (with query presence: 1): first {presence: 'members',
   *                self, members: [{id, name}], truncated} after every (re)connect, then
   *                {presence: 'join' or 'leave', id, name}
   *   last         on the first connect, ask for up to this many of the newest messages the
   *                server kept (?last=N; at most the server's history.size are kept)
   *   onGap(g)     a reconnect could not get what was missed: g.reason is 'epoch changed' (the
   *                server restarted or the topic was let go), 'offset too old' (it left the
   *                history), 'offset in future' or 'replay too large'; g.offset is where live
   *                messages now follow on
   *   after        {offset, epoch}: start after this position instead (another subscription's
   *                `position`), e.g. to subscribe again under a new name without the messages
   *                already shown coming again; a gap since then is reported as by onGap
   *   resume       false: reconnect without asking for what was missed
   *   resumeQuery(lastMessage)  called before every (re)connect instead of the above; the
   *                query parameters it returns are added to the subscribe URL
   * Returns the Subscription: close(), send(message), open.
   */
  subscribe(topic, onMessage, options = {}) {
    checkTopic(topic);
    if (typeof onMessage !== 'function') throw new TypeError('subscribe needs an onMessage function');
    const subscription = new Subscription(this, topic ?? null, onMessage, options);
    this.subscriptions.add(subscription);
    subscription.connect();
    return subscription;
  }

  /** Replaces the token: open sockets send the server a refresh frame ({"token": …}), and
   *  subscriptions stopped for their token start again. */
  setToken(token) {
    this.token = token || null;
    for (const subscription of this.subscriptions) subscription.tokenChanged(this.token);
  }

  /** Closes every subscription. */
  close() {
    for (const subscription of [...this.subscriptions]) subscription.close();
  }
}
