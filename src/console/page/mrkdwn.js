// Slack's mrkdwn, rendered into DOM nodes (never through innerHTML): *bold*, _italic_, ~strike~,
// `code`, ```pre```, > quotes, <url|label>, <@U…> and <#C…> mentions, <!subteam^…>, :emoji:.
// Text arrives escaped the Slack way (&amp; &lt; &gt;) and is unescaped for display.
import { emojiElement } from './emoji.js';

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// Earliest match wins; at one index, the first alternative (code before bold: `a*b` stays code).
const INLINE = /`([^`\n]+)`|<([^<>\s][^<>]*)>|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~|:([a-z0-9_+'-]+):/g;
const WORDISH = /[A-Za-z0-9]/;

/** Bold, italic and strike need a non-word character (or nothing) on both sides, as in Slack. */
function boundaryOk(text, start, end, inner) {
  const before = text[start - 1];
  const after = text[end];
  if (before !== undefined && WORDISH.test(before)) return false;
  if (after !== undefined && WORDISH.test(after)) return false;
  return inner.trim() === inner && inner.length > 0;
}

function el(tag, cls, children = []) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) e.append(c);
  return e;
}

function angle(inner, ctx) {
  const [target, label] = splitOnce(inner, '|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = label || ctx.userName(id) || id;
    return el('span', 'mention', [`@${name}`]);
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return el('span', 'mention', [`#${label || ctx.channelName(id) || id}`]);
  }
  if (target.startsWith('!')) {
    const [kind, arg] = splitOnce(target.slice(1), '^');
    if (kind === 'subteam') return el('span', 'mention', [label ? unescape(label) : `@${arg}`]);
    if (kind === 'date') return document.createTextNode(unescape(label || arg));
    return el('span', 'mention', [`@${kind}`]);
  }
  if (/^(https?:|mailto:)/i.test(target)) {
    const a = el('a', 'link', [unescape(label || target)]);
    a.href = unescape(target);
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  return document.createTextNode(unescape(`<${inner}>`));
}

function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** Inline markup of one stretch of text (no code fences, no quotes). */
export function renderInline(text, ctx) {
  const frag = document.createDocumentFragment();
  let last = 0;
  const push = (s) => {
    if (s) frag.append(unescape(s));
  };
  const re = new RegExp(INLINE.source, 'g');
  let m;
  while ((m = re.exec(text)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    let node = null;
    if (m[1] !== undefined) node = el('code', 'code', [unescape(m[1])]);
    else if (m[2] !== undefined) node = angle(m[2], ctx);
    else if (m[3] !== undefined && boundaryOk(text, start, end, m[3])) node = el('b', '', [renderInline(m[3], ctx)]);
    else if (m[4] !== undefined && boundaryOk(text, start, end, m[4])) node = el('i', '', [renderInline(m[4], ctx)]);
    else if (m[5] !== undefined && boundaryOk(text, start, end, m[5])) node = el('s', '', [renderInline(m[5], ctx)]);
    else if (m[6] !== undefined) node = emojiElement(m[6]) ?? document.createTextNode(m[0]);
    if (!node) {
      // Not markup here (snake_case, 2*3*4): the opening character is plain text; look again after it.
      re.lastIndex = start + 1;
      continue;
    }
    push(text.slice(last, start));
    frag.append(node);
    last = end;
  }
  push(text.slice(last));
  return frag;
}

/** Lines starting with ">" become quotes; the rest keeps its line breaks (the container is pre-wrap). */
function renderLines(text, ctx, frag) {
  const lines = text.split('\n');
  let quote = null;
  lines.forEach((line, i) => {
    const q = /^(&gt;|>)\s?/.exec(line);
    if (q) {
      if (!quote) {
        quote = el('blockquote', 'quote');
        frag.append(quote);
      } else {
        quote.append('\n');
      }
      quote.append(renderInline(line.slice(q[0].length), ctx));
      return;
    }
    quote = null;
    frag.append(renderInline(line, ctx));
    const next = lines[i + 1];
    if (next !== undefined && !/^(&gt;|>)/.test(next)) frag.append('\n');
  });
}

/** A whole mrkdwn text as a fragment. ctx: { userName(id), channelName(id) }. */
export function renderMrkdwn(text, ctx) {
  const frag = document.createDocumentFragment();
  const parts = String(text ?? '').split('```');
  const n = parts.length;
  parts.forEach((part, i) => {
    // Odd parts sit between fences; an unclosed fence is plain text, as in Slack.
    if (i % 2 === 1 && i < n - 1) {
      frag.append(el('pre', 'pre', [unescape(part.replace(/^\n/, '').replace(/\n$/, ''))]));
      return;
    }
    let body = i % 2 === 1 ? '```' + part : part;
    // The line breaks next to a fence belong to the fence (a pre is a block of its own).
    if (i % 2 === 0 && i > 0) body = body.replace(/^\n/, '');
    if (i % 2 === 0 && i < n - 2) body = body.replace(/\n$/, '');
    if (body) renderLines(body, ctx, frag);
  });
  return frag;
}

/** plain_text objects: only :emoji: is interpreted (when emoji is not false). */
export function renderPlain(text, emoji) {
  if (emoji === false) return document.createTextNode(String(text ?? ''));
  const frag = document.createDocumentFragment();
  const s = String(text ?? '');
  let last = 0;
  for (const m of s.matchAll(/:([a-z0-9_+'-]+):/g)) {
    const icon = emojiElement(m[1]);
    if (!icon) continue;
    frag.append(s.slice(last, m.index));
    frag.append(icon);
    last = m.index + m[0].length;
  }
  frag.append(s.slice(last));
  return frag;
}
