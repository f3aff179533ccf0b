// Slack's confirm dialog for a button that asks first: title, text, confirm and deny.
import { textObject } from './blocks.js';
import { renderMrkdwn } from './mrkdwn.js';

/** Slack's confirm dialog: resolves true for confirm, false for deny (or Escape, or a click outside). */
export function confirmDialog(c, ctx) {
  const $ = (id) => document.getElementById(id);
  const modal = $('modal');
  $('modal-title').replaceChildren(textObject(c.title, ctx));
  $('modal-text').replaceChildren(c.text?.type === 'mrkdwn' ? renderMrkdwn(c.text.text, ctx) : textObject(c.text, ctx));
  const ok = $('modal-confirm');
  const deny = $('modal-deny');
  ok.replaceChildren(textObject(c.confirm ?? { type: 'plain_text', text: 'Yes' }, ctx));
  deny.replaceChildren(textObject(c.deny ?? { type: 'plain_text', text: 'Cancel' }, ctx));
  ok.className = `sbtn ${c.style === 'danger' ? 'danger' : 'primary'}`;
  modal.hidden = false;
  ok.focus();
  return new Promise((resolve) => {
    const done = (answer) => {
      modal.hidden = true;
      ok.removeEventListener('click', yes);
      deny.removeEventListener('click', no);
      modal.removeEventListener('click', outside);
      document.removeEventListener('keydown', key);
      resolve(answer);
    };
    const yes = () => done(true);
    const no = () => done(false);
    const outside = (e) => {
      if (e.target === modal) done(false);
    };
    const key = (e) => {
      if (e.key === 'Escape') done(false);
    };
    ok.addEventListener('click', yes);
    deny.addEventListener('click', no);
    modal.addEventListener('click', outside);
    document.addEventListener('keydown', key);
  });
}

