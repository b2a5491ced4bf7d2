#include "chat_page.h"

#include <string>

#include "inline_page_policy.h"

namespace spread::plugins::websocket {

namespace {

constexpr std::string_view kPage = R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spread chat</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2430; background: #f4f6f9; }
  body { margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1rem; background: #1d2430; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
  #status { font-size: .85rem; padding: .15rem .6rem; border-radius: 1rem; background: #8a6d00; }
  #status[data-state="open"] { background: #1f7a3a; }
  #status[data-state="closed"] { background: #a12a2a; }
  #name-dialog { position: static; border: 0; margin: 0; padding: .6rem 1rem; background: #e3e8ef; width: auto; }
  #name-dialog form, #token-dialog form { display: flex; gap: .5rem; align-items: center; }
  #token-dialog { position: static; border: 0; margin: 0; padding: .6rem 1rem; background: #fbeed5; width: auto; }
  #token-dialog p { margin: 0 0 .4rem; }
  #token { flex: 1; }
  #whoami { padding: .4rem 1rem; font-size: .9rem; }
  #whoami[hidden] { display: none; }
  #room-row { display: flex; flex: 1; min-height: 0; }
  #messages { list-style: none; margin: 0; padding: .5rem 1rem; flex: 1; overflow-y: auto; }
  #room { width: 12rem; padding: .5rem 1rem; border-left: 1px solid #d5dbe3; overflow-y: auto; font-size: .9rem; }
  #room h2 { font-size: .95rem; margin: 0 0 .4rem; }
  #members { list-style: none; margin: 0; padding: 0; }
  #members li { padding: .1rem 0; overflow-wrap: anywhere; }
  #members li.self { font-weight: 600; }
  #members li.unnamed { color: #6b7480; font-style: italic; }
  #messages li { padding: .25rem 0; overflow-wrap: anywhere; }
  #messages .name { font-weight: 600; margin-right: .5rem; }
  #messages li.error { color: #a12a2a; }
  #composer { display: flex; gap: .5rem; padding: .6rem 1rem; background: #fff; border-top: 1px solid #d5dbe3; }
  #message { flex: 1; }
  input, button { font: inherit; padding: .4rem .6rem; }
  #error { margin: 0; padding: 0 1rem .4rem; color: #a12a2a; min-height: 1.2em; background: #fff; }
</style>
</head>
<body>
<header>
  <h1>Spread chat</h1>
  <span id="status" data-state="connecting" role="status">connecting…</span>
</header>
<dialog id="name-dialog" open>
  <form id="name-form" method="dialog">
    <label for="name">Your name</label>
    <input id="name" name="name" maxlength="64" autocomplete="nickname" required>
    <button id="join" type="submit">Join</button>
  </form>
</dialog>
<dialog id="token-dialog">
  <p id="token-problem" role="alert">This server needs a token.</p>
  <form id="token-form" method="dialog">
    <label for="token">Token</label>
    <input id="token" name="token" autocomplete="off" spellcheck="false" required>
    <button id="use-token" type="submit">Use token</button>
  </form>
</dialog>
<p id="whoami" hidden>Chatting as <strong id="whoami-name"></strong> <button id="rename" type="button">change</button></p>
<div id="room-row">
  <ul id="messages" aria-live="polite"></ul>
  <aside id="room" aria-label="who is in the room">
    <h2>In the room: <span id="room-count">0</span></h2>
    <ul id="members"></ul>
    <p id="room-more" hidden></p>
  </aside>
</div>
<form id="composer">
  <input id="message" name="message" autocomplete="off" placeholder="Say something" maxlength="4000">
  <button id="send" type="submit">Send</button>
</form>
<p id="error" role="alert"></p>
<script type="module">
import { SpreadClient } from '/spread.js';

const byId = (id) => document.getElementById(id);
const topic = new URLSearchParams(location.search).get('topic');
const messagesKept = 500;
// Shown when the page opens, if the server kept them (history.size).
const recentMessages = 50;
// With auth.mode = jwt the token comes from the URL fragment (#token=…, which never reaches a
// server log) or is pasted, and is kept for this tab only.
const client = new SpreadClient({ url: location.origin });
let tokenMode = false;
let subscription = null;
let retry = null;
// Who is in the room, by client id, from the members frame and then join and leave frames.
const members = new Map();
let selfId = null;
let membersCount = 0;

function showMembers() {
  const list = byId('members');
  list.replaceChildren();
  for (const [id, name] of members) {
    const item = document.createElement('li');
    item.dataset.id = id;
    item.textContent = (name || 'someone without a name') + (id === selfId ? ' (you)' : '');
    if (id === selfId) item.classList.add('self');
    if (!name) item.classList.add('unnamed');
    list.append(item);
  }
  byId('room-count').textContent = String(membersCount);
  const more = membersCount - members.size;
  byId('room-more').hidden = more <= 0;
  byId('room-more').textContent = more > 0 ? 'and ' + more + ' more' : '';
}

function onPresence(frame) {
  if (frame.presence === 'members') {
    members.clear();
    for (const member of frame.members) members.set(member.id, member.name);
    selfId = frame.self;
    membersCount = frame.count;
  } else if (frame.presence === 'join') {
    members.set(frame.id, frame.name);
    membersCount += 1;
  } else if (frame.presence === 'leave') {
    members.delete(frame.id);
    membersCount = Math.max(0, membersCount - 1);
  }
  showMembers();
}

function setStatus(state, text) {
  const status = byId('status');
  status.dataset.state = state;
  status.textContent = text;
}

function showError(text) { byId('error').textContent = text; }

function addMessage(name, text, kind) {
  const list = byId('messages');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  const item = document.createElement('li');
  if (kind) item.className = kind;
  const who = document.createElement('span');
  who.className = 'name';
  who.textContent = name;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  item.append(who, body);
  list.append(item);
  while (list.children.length > messagesKept) list.firstElementChild.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// Closes the subscription for good; it reports 'stopped' once more, which showStatus ignores.
function dropSubscription() {
  const old = subscription;
  subscription = null;
  if (old) old.close();
}

function askForToken(problem) {
  dropSubscription();
  clearTimeout(retry);
  setStatus('closed', 'needs a token');
  byId('token-problem').textContent = problem;
  byId('token-dialog').open = true;
  byId('name-dialog').open = false;
  byId('whoami').hidden = true;
  byId('token').focus();
}

// spread.js reconnects by itself; the page only shows what it is doing.
function showStatus(status) {
  if (status.state === 'connecting') {
    const first = status.attempt === 0;
    setStatus('connecting', first ? 'connecting…' : 'reconnecting (attempt ' + status.attempt + ')…');
  } else if (status.state === 'open') {
    setStatus('open', 'connected');
  } else if (status.state === 'closed') {
    setStatus('closed', 'disconnected (' + status.code + (status.reason ? ' ' + status.reason : '') + ')');
  } else if (status.state === 'retrying') {
    byId('status').textContent += '; retrying in ' + Math.ceil(status.delayMs / 1000) + ' s';
  } else if (status.state === 'stopped' && subscription) {
    askForToken(status.reason === 'token expired' ? 'Your token expired. Paste a fresh one to go on.' : status.reason);
  }
}

// Asks the server what this page's token allows: {ok} to go on, or why not.
async function checkAccess() {
  let access;
  try { access = await client.access(topic); } catch (error) {
    if (error.status === 0) throw error;
    return { problem: error.reason };
  }
  if (access.mode === 'none') return { ok: true, mode: 'none' };
  if (!access.subscribe) return { problem: 'Your token does not allow reading topic ' + access.topic + '.' };
  return { ok: true, mode: 'jwt', sub: access.sub };
}

async function start() {
  let access;
  try { access = await checkAccess(); } catch {
    setStatus('closed', 'cannot reach the server');
    retry = setTimeout(start, 2000);
    return;
  }
  if (!access.ok) {
    tokenMode = true;
    askForToken(access.problem);
    return;
  }
  tokenMode = access.mode === 'jwt';
  if (tokenMode) {
    // The token names the user: the name dialog has nothing to ask.
    byId('token-dialog').open = false;
    byId('name-dialog').open = false;
    byId('name').value = access.sub;
    byId('whoami-name').textContent = access.sub;
    byId('whoami').hidden = false;
    byId('rename').hidden = true;
  }
  subscribe();
}

// Listed in the room under the chosen name (with a token, the server lists its subject).
// `after`: where a previous subscription was, so that subscribing again (under a new name)
// shows nothing twice.
function subscribe(after) {
  const query = { presence: 1 };
  if (!tokenMode && currentName()) query.name = currentName();
  subscription = client.subscribe(topic, (message) => addMessage(message.name, message.msg), {
    onStatus: showStatus,
    // The latest the server kept, at most this many; after a reconnect, what was missed.
    last: after ? undefined : recentMessages,
    after,
    onGap: (gap) => addMessage('server', gap.reason === 'epoch changed'
      ? 'The server restarted: messages sent while you were away are lost.'
      : 'Some messages sent while you were away could not be fetched (' + gap.reason + ').', 'error'),
    onReply: (reply) => { if (typeof reply.error === 'string') addMessage('server', reply.error, 'error'); },
    onPresence,
    query,
  });
}

byId('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = byId('token').value.trim();
  if (!token) return;
  sessionStorage.setItem('spread-token', token);
  byId('token').value = '';
  byId('token-dialog').open = false;
  dropSubscription();
  client.setToken(token);
  start();
});

function currentName() { return byId('name').value.trim(); }

function openNameDialog() {
  byId('name-dialog').open = true;
  byId('whoami').hidden = true;
  byId('name').focus();
}

byId('name-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = currentName();
  if (!name) return;
  byId('whoami-name').textContent = name;
  byId('whoami').hidden = false;
  byId('name-dialog').open = false;
  byId('message').focus();
  // A new name is a new entry in the room: the subscription starts again under it.
  if (subscription && !tokenMode) {
    const after = subscription.position;
    dropSubscription();
    subscribe(after ?? undefined);
  }
});
byId('rename').addEventListener('click', openNameDialog);

byId('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = currentName();
  const msg = byId('message').value;
  if (!name) {
    showError('Choose a name first.');
    openNameDialog();
    return;
  }
  if (!msg.trim()) return;
  byId('send').disabled = true;
  try {
    // With a token, the server writes the name the token gives.
    await client.publish(topic, tokenMode ? { msg } : { name, msg });
    byId('message').value = '';
    showError('');
  } catch (error) {
    showError(error.status === 0 ? 'Could not reach the server: ' + error.reason : error.reason);
  } finally {
    byId('send').disabled = false;
    byId('message').focus();
  }
});

const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('token')) {
  sessionStorage.setItem('spread-token', fragment.get('token'));
  history.replaceState(null, '', location.pathname + location.search);
}
client.setToken(sessionStorage.getItem('spread-token'));
start();
</script>
</body>
</html>
)PAGE";

}  // namespace

std::string_view chatPage() { return kPage; }

const std::string& chatPageSecurityPolicy() {
  static const std::string policy = "default-src 'none'; " + inlinePageSources(kPage, "'self'") +
                                    "; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
                                    "frame-ancestors 'none'";
  return policy;
}

}  // namespace spread::plugins::websocket
