// Block Kit, as Slack draws it: header, section (text, fields, a button accessory), context,
// divider, actions (buttons with primary/danger styles and confirm dialogs), image (its alt text:
// the console loads nothing from elsewhere). Other blocks show their type, so nothing is silently
// lost. ctx: { userName(id), channelName(id), onButton(button, blockId, element) }.
import { renderMrkdwn, renderPlain } from './mrkdwn.js';

function el(tag, cls, children = []) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) e.append(c);
  return e;
}

/** A text object: mrkdwn or plain_text. */
export function textObject(t, ctx) {
  if (!t || typeof t !== 'object') return document.createTextNode('');
  if (t.type === 'mrkdwn') return renderMrkdwn(t.text ?? '', ctx);
  return renderPlain(t.text ?? '', t.emoji);
}

function button(b, blockId, ctx) {
  const e = el('button', `sbtn${b.style ? ` ${b.style}` : ''}`, [renderPlain(b.text?.text ?? b.action_id, b.text?.emoji)]);
  e.type = 'button';
  e.dataset.actionId = b.action_id ?? '';
  if (blockId !== undefined) e.dataset.blockId = blockId;
  if (b.url) {
    e.title = b.url;
  }
  e.addEventListener('click', () => ctx.onButton(b, blockId, e));
  return e;
}

function element(x, blockId, ctx) {
  if (!x || typeof x !== 'object') return null;
  if (x.type === 'button') return button(x, blockId, ctx);
  if (x.type === 'image') return el('span', 'b-image-alt', [`[${x.alt_text ?? 'image'}]`]);
  if (x.type === 'mrkdwn' || x.type === 'plain_text') return el('span', 'b-text', [textObject(x, ctx)]);
  return el('span', 'b-unsupported', [`[${x.type ?? 'element'}]`]);
}

function block(b, ctx) {
  switch (b?.type) {
    case 'header':
      return el('div', 'b-header', [textObject(b.text, ctx)]);
    case 'section': {
      const s = el('div', 'b-section');
      const main = el('div', 'b-section-main');
      if (b.text) main.append(el('div', 'b-text', [textObject(b.text, ctx)]));
      if (Array.isArray(b.fields) && b.fields.length) {
        main.append(el('div', 'b-fields', b.fields.map((f) => el('div', 'b-field b-text', [textObject(f, ctx)]))));
      }
      s.append(main);
      if (b.accessory) {
        const acc = element(b.accessory, b.block_id, ctx);
        if (acc) s.append(el('div', 'b-accessory', [acc]));
      }
      return s;
    }
    case 'context':
      return el(
        'div',
        'b-context',
        (b.elements ?? []).map((x) => element(x, b.block_id, ctx)).filter(Boolean),
      );
    case 'divider':
      return el('hr', 'b-divider');
    case 'actions':
      return el(
        'div',
        'b-actions',
        (b.elements ?? []).map((x) => element(x, b.block_id, ctx)).filter(Boolean),
      );
    case 'image':
      return el('div', 'b-image-alt', [`[image: ${b.alt_text ?? b.title?.text ?? ''}]`]);
    default:
      return el('div', 'b-unsupported', [`[${b?.type ?? 'unknown'} block]`]);
  }
}

/** A message's body: its blocks, or its text when it has none. */
export function renderMessageBody(msg, ctx) {
  const body = el('div', 'm-body');
  if (Array.isArray(msg.blocks) && msg.blocks.length) {
    for (const b of msg.blocks) body.append(block(b, ctx));
  } else {
    body.append(el('div', 'b-text', [renderMrkdwn(msg.text ?? '', ctx)]));
  }
  return body;
}
