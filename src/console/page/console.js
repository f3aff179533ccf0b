// The console page: one channel, its threads, ephemeral replies for the person one acts as, and
// live updates from the server (Server-Sent Events). What a person does goes to the server, which
// does what Slack would (signed requests to the bot); the page only shows what comes back.
import { confirmDialog } from './confirm-dialog.js';
import { avatar, isTopLevel, messageElement } from './message-view.js';

const $ = (id) => document.getElementById(id);

const state = {
  me: '',
  users: new Map(),
  bot: { userId: '', name: 'mngbot' },
  channel: { id: '', name: '' },
  command: '/mng',
  /** Channel messages (threads included) and my ephemerals, by ts. */
  messages: new Map(),
  ephemerals: new Map(),
  dismissed: new Set(),
  openThread: null,
  source: null,
};

const panes = {
  main: { root: $('messages'), els: new Map() },
  thread: { root: $('thread-messages'), els: new Map() },
};

const ctx = {
  userName: (id) => state.users.get(id)?.name ?? (id === state.bot.userId ? state.bot.name : undefined),
  channelName: (id) => (id === state.channel.id ? state.channel.name : undefined),
};

/** What drawing a message needs to know and do. */
const view = {
  get botUserId() {
    return state.bot.userId;
  },
  userName: ctx.userName,
  channelName: ctx.channelName,
  onButton: (m, b, blockId, btn) => void clickButton(m, b, blockId, btn),
  onDismiss: (m) => {
    state.dismissed.add(m.ts);
    removeEverywhere(m.ts);
  },
  onOpenThread: (ts) => openThread(ts),
};

// ---------------------------------------------------------------------------------------------
// Who one is

function chooseInitialUser(users) {
  const wanted = new URLSearchParams(location.search).get('as') ?? localStorage.getItem('mngbot-console-user');
  return users.some((u) => u.id === wanted) ? wanted : users[0]?.id ?? '';
}

function actAs(userId) {
  if (!userId || userId === state.me) return;
  state.me = userId;
  localStorage.setItem('mngbot-console-user', userId);
  const url = new URL(location.href);
  url.searchParams.set('as', userId);
  history.replaceState(null, '', url);
  connect();
}

function renderPeople() {
  const select = $('as-user');
  select.replaceChildren(
    ...[...state.users.values()].map((u) => {
      const o = document.createElement('option');
      o.value = u.id;
      o.textContent = u.role ? `${u.name} (${u.role})` : u.name;
      return o;
    }),
  );
  select.value = state.me;
  $('people').replaceChildren(
    ...[...state.users.values()].map((u) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `person${u.id === state.me ? ' me' : ''}`;
      b.dataset.user = u.id;
      b.append(avatar(u.id, view), Object.assign(document.createElement('span'), { className: 'person-name', textContent: u.name }));
      if (u.role) b.append(Object.assign(document.createElement('span'), { className: 'person-role', textContent: u.role }));
      if (u.id === state.me) b.append(Object.assign(document.createElement('span'), { className: 'person-you', textContent: 'you' }));
      b.addEventListener('click', () => actAs(u.id));
      li.append(b);
      return li;
    }),
  );
  const me = state.users.get(state.me);
  $('composer-text').placeholder = `Message #${state.channel.name} as ${me?.name ?? '…'}: try ${state.command} help`;
  $('thread-text').placeholder = `Reply as ${me?.name ?? '…'}…`;
}

// ---------------------------------------------------------------------------------------------
// Drawing messages

function paneFor(m) {
  const out = [];
  if (isTopLevel(m) && !(m.for_user && m.thread_ts)) out.push('main');
  if (state.openThread && (m.ts === state.openThread || m.thread_ts === state.openThread)) out.push('thread');
  return out;
}

/** Draws (or redraws in place) a message in every pane it belongs to. */
function show(m) {
  if (state.dismissed.has(m.ts)) return;
  for (const where of paneFor(m)) {
    const pane = panes[where];
    const stick = nearBottom(pane.root);
    const fresh = messageElement(m, where, view);
    const old = pane.els.get(m.ts);
    if (old) {
      old.replaceWith(fresh);
    } else {
      insertSorted(pane, fresh, m.ts);
    }
    pane.els.set(m.ts, fresh);
    if (stick) scrollToBottom(pane.root);
  }
}

function insertSorted(pane, node, ts) {
  let before = null;
  for (const [t, e] of pane.els) if (t > ts && (!before || t < before.ts)) before = { ts: t, e };
  if (before) pane.root.insertBefore(node, before.e);
  else pane.root.append(node);
}

function removeEverywhere(ts) {
  for (const pane of Object.values(panes)) {
    pane.els.get(ts)?.remove();
    pane.els.delete(ts);
  }
}

function nearBottom(root) {
  return root.scrollHeight - root.scrollTop - root.clientHeight < 80;
}

function scrollToBottom(root) {
  root.scrollTop = root.scrollHeight;
}

function allMessages() {
  return [...state.messages.values(), ...state.ephemerals.values()].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

function redrawAll() {
  for (const pane of Object.values(panes)) {
    for (const e of pane.els.values()) e.remove();
    pane.els.clear();
  }
  for (const m of allMessages()) show(m);
  scrollToBottom(panes.main.root);
  scrollToBottom(panes.thread.root);
}

function openThread(ts) {
  state.openThread = ts;
  $('thread').hidden = false;
  const pane = panes.thread;
  for (const e of pane.els.values()) e.remove();
  pane.els.clear();
  for (const m of allMessages()) if (m.ts === ts || m.thread_ts === ts) show(m);
  const parent = pane.els.get(ts);
  if (parent) {
    parent.classList.add('thread-parent');
    const count = state.messages.get(ts)?.reply_count ?? 0;
    const sep = Object.assign(document.createElement('div'), { className: 'thread-sep', textContent: `${count} ${count === 1 ? 'reply' : 'replies'}` });
    parent.append(sep);
  }
  scrollToBottom(pane.root);
  $('thread-text').focus();
}

function closeThread() {
  state.openThread = null;
  $('thread').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Live updates

function setLive(text, ok) {
  const live = $('live');
  live.textContent = text;
  live.classList.toggle('ok', ok);
}

/** How the console reaches the bot: signed HTTP requests, or Socket Mode (and whether the bot is connected). */
function setTransport(t) {
  const el = $('transport');
  const socket = t.kind === 'socket';
  el.textContent = socket ? `Socket Mode · ${t.connected ? 'bot connected' : 'bot not connected'}` : 'HTTP · signed requests';
  el.classList.toggle('down', socket && !t.connected);
  el.dataset.transport = t.kind;
}

function connect() {
  state.source?.close();
  setLive('connecting…', false);
  const source = new EventSource(`/events?user=${encodeURIComponent(state.me)}`);
  state.source = source;
  source.addEventListener('snapshot', (ev) => {
    const s = JSON.parse(ev.data);
    state.users = new Map(s.users.map((u) => [u.id, u]));
    state.bot = s.bot;
    state.channel = s.channel;
    state.command = s.command;
    state.me = s.me;
    state.messages = new Map(s.messages.map((m) => [m.ts, m]));
    state.ephemerals = new Map(s.ephemerals.map((m) => [m.ts, m]));
    for (const id of ['side-channel', 'channel-name', 'intro-channel', 'thread-channel']) $(id).textContent = s.channel.name;
    for (const id of ['side-bot', 'topic-bot']) $(id).textContent = s.bot.name;
    document.title = `#${s.channel.name} · mngbot console`;
    renderPeople();
    renderHints(s.hints);
    setTransport(s.transport);
    redrawAll();
    if (state.openThread) {
      if (state.messages.has(state.openThread)) openThread(state.openThread);
      else closeThread();
    }
    setLive('live', true);
  });
  source.addEventListener('upsert', (ev) => {
    const m = JSON.parse(ev.data);
    const map = m.for_user ? state.ephemerals : state.messages;
    map.set(m.ts, m);
    show(m);
    if (m.ts === state.openThread) refreshThreadSeparator(m);
  });
  source.addEventListener('transport', (ev) => setTransport(JSON.parse(ev.data)));
  source.addEventListener('delete', (ev) => {
    const { ts } = JSON.parse(ev.data);
    state.messages.delete(ts);
    state.ephemerals.delete(ts);
    removeEverywhere(ts);
    if (ts === state.openThread) closeThread();
  });
  source.onerror = () => setLive('reconnecting…', false);
  source.onopen = () => setLive('live', true);
}

function refreshThreadSeparator(parentMsg) {
  const el = panes.thread.els.get(parentMsg.ts);
  if (!el) return;
  el.classList.add('thread-parent');
  const count = parentMsg.reply_count ?? 0;
  el.append(Object.assign(document.createElement('div'), { className: 'thread-sep', textContent: `${count} ${count === 1 ? 'reply' : 'replies'}` }));
}

// ---------------------------------------------------------------------------------------------
// Doing things

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
}

async function send(textarea, threadTs) {
  const text = textarea.value.trim();
  if (!text) return;
  textarea.value = '';
  autosize(textarea);
  textarea.disabled = true;
  try {
    const answer = await post('/console/type', { user: state.me, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
    if (!answer.ok && answer.error && !text.startsWith('/')) textarea.value = text;
  } finally {
    textarea.disabled = false;
    textarea.focus();
  }
}

async function clickButton(m, b, blockId, btn) {
  if (b.confirm && !(await confirmDialog(b.confirm, ctx))) return;
  btn.disabled = true;
  btn.classList.add('busy');
  try {
    await post('/console/click', { user: state.me, ts: m.ts, action_id: b.action_id, ...(blockId !== undefined ? { block_id: blockId } : {}) });
  } finally {
    btn.disabled = false;
    btn.classList.remove('busy');
  }
}

function renderHints(hints) {
  const box = $('hints');
  box.replaceChildren(
    ...(hints.length ? [Object.assign(document.createElement('span'), { className: 'hints-label', textContent: 'Try' })] : []),
    ...hints.map((h) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'hint';
      b.textContent = h;
      b.addEventListener('click', () => {
        const t = $('composer-text');
        t.value = h;
        autosize(t);
        t.focus();
      });
      return b;
    }),
  );
}

function autosize(t) {
  t.style.height = 'auto';
  t.style.height = `${Math.min(200, t.scrollHeight)}px`;
}

function wireComposer(formId, textId, threadTs) {
  const form = $(formId);
  const text = $(textId);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void send(text, threadTs());
  });
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send(text, threadTs());
    }
  });
  text.addEventListener('input', () => autosize(text));
}

async function start() {
  wireComposer('composer', 'composer-text', () => undefined);
  wireComposer('thread-composer', 'thread-text', () => state.openThread ?? undefined);
  $('thread-close').addEventListener('click', closeThread);
  $('as-user').addEventListener('change', (e) => actAs(e.target.value));
  // The people are needed before connecting: events are per person.
  const people = await fetch('/console/people').then((r) => r.json());
  state.me = chooseInitialUser(people.users);
  connect();
}

void start();
