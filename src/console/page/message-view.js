// One message, drawn as Slack draws it: avatar, author (APP for the bot), time, "Only visible to
// you" for ephemeral ones, the blocks (or the text), and the reply count under a thread's parent.
import { renderMessageBody } from './blocks.js';

const COLORS = ['#e8912d', '#2eb67d', '#1d9bd1', '#e01e5a', '#9b59b6', '#36c5f0', '#d4a017'];

function colorOf(id) {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

export function avatar(userId, v) {
  const a = document.createElement('span');
  a.setAttribute('aria-hidden', 'true');
  if (userId === v.botUserId) {
    a.className = 'avatar bot-avatar';
    return a;
  }
  a.className = 'avatar';
  const name = v.userName(userId) ?? userId;
  a.textContent = name.charAt(0).toUpperCase();
  a.style.background = userId === 'USLACKBOT' ? '#4a154b' : colorOf(userId);
  return a;
}

export function timeOf(ts) {
  const d = new Date(Number(ts.split('.')[0]) * 1000);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function isTopLevel(m) {
  return !m.thread_ts || m.thread_ts === m.ts;
}

/**
 * One message as Slack draws it. v: { botUserId, userName(id), channelName(id), onButton(m, button,
 * blockId, element), onDismiss(m), onOpenThread(ts) }; where: 'main' (with its reply count) or 'thread'.
 */
export function messageElement(m, where, v) {
  const row = document.createElement('div');
  row.className = `msg${m.for_user ? ' ephemeral' : ''}${m.user === v.botUserId ? ' from-bot' : ''}`;
  row.dataset.ts = m.ts;
  if (m.thread_ts && m.thread_ts !== m.ts) row.dataset.threadTs = m.thread_ts;

  const side = document.createElement('div');
  side.className = 'msg-side';
  side.append(avatar(m.user, v));

  const main = document.createElement('div');
  main.className = 'msg-main';
  if (m.for_user) {
    const note = document.createElement('div');
    note.className = 'ephemeral-note';
    note.append('Only visible to you');
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.className = 'linkish';
    dismiss.textContent = 'Dismiss';
    dismiss.addEventListener('click', () => v.onDismiss(m));
    note.append(' · ', dismiss);
    main.append(note);
  }
  const meta = document.createElement('div');
  meta.className = 'msg-meta';
  const author = document.createElement('span');
  author.className = 'author';
  author.textContent = v.userName(m.user) ?? m.user;
  meta.append(author);
  if (m.user === v.botUserId) meta.append(Object.assign(document.createElement('span'), { className: 'app-tag', textContent: 'APP' }));
  const time = document.createElement('time');
  time.textContent = timeOf(m.ts);
  time.title = new Date(Number(m.ts.split('.')[0]) * 1000).toString();
  meta.append(time);
  if (m.updates > 0 && m.user !== v.botUserId) meta.append(Object.assign(document.createElement('span'), { className: 'edited', textContent: '(edited)' }));
  main.append(meta);

  main.append(renderMessageBody(m, { userName: v.userName, channelName: v.channelName, onButton: (b, blockId, btn) => v.onButton(m, b, blockId, btn) }));

  if (where === 'main' && !m.for_user && m.reply_count > 0) {
    const link = document.createElement('button');
    link.type = 'button';
    link.className = 'replies';
    link.dataset.threadTs = m.ts;
    link.textContent = `${m.reply_count} ${m.reply_count === 1 ? 'reply' : 'replies'}`;
    const last = Object.assign(document.createElement('span'), { className: 'replies-last', textContent: m.latest_reply ? `Last reply ${timeOf(m.latest_reply)}` : '' });
    link.append(last);
    link.addEventListener('click', () => v.onOpenThread(m.ts));
    main.append(link);
  }
  row.append(side, main);
  return row;
}

