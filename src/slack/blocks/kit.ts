// The few Block Kit shapes mngbot uses, and small builders for them. Plain objects: Slack's client
// accepts them as they are.

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}

export type TextObject = PlainText | Mrkdwn;

export interface ConfirmDialog {
  title: PlainText;
  text: TextObject;
  confirm: PlainText;
  deny: PlainText;
  style?: 'primary' | 'danger';
}

export interface Button {
  type: 'button';
  action_id: string;
  text: PlainText;
  value?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmDialog;
}

export interface HeaderBlock {
  type: 'header';
  block_id?: string;
  text: PlainText;
}

export interface SectionBlock {
  type: 'section';
  block_id?: string;
  text?: TextObject;
  fields?: TextObject[];
}

export interface ContextBlock {
  type: 'context';
  block_id?: string;
  elements: TextObject[];
}

export interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: Button[];
}

export interface DividerBlock {
  type: 'divider';
  block_id?: string;
}

export type Block = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock | DividerBlock;

/** A message: the fallback text (notifications, screen readers) and its blocks. */
export interface Message {
  text: string;
  blocks: Block[];
}

export const plain = (text: string): PlainText => ({ type: 'plain_text', text, emoji: true });
export const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text });

export const header = (text: string): HeaderBlock => ({ type: 'header', text: plain(text) });
export const section = (text: string, blockId?: string): SectionBlock => ({
  type: 'section',
  text: mrkdwn(text),
  ...(blockId ? { block_id: blockId } : {}),
});
export const fields = (...items: string[]): SectionBlock => ({ type: 'section', fields: items.map(mrkdwn) });
export const context = (...items: string[]): ContextBlock => ({ type: 'context', elements: items.map(mrkdwn) });
export const divider = (): DividerBlock => ({ type: 'divider' });
export const actions = (blockId: string, ...elements: Button[]): ActionsBlock => ({ type: 'actions', block_id: blockId, elements });

export function button(
  actionId: string,
  text: string,
  value: string,
  opts: { style?: 'primary' | 'danger'; confirm?: { title: string; text: string; confirm: string; deny?: string } } = {},
): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: plain(text),
    value,
    ...(opts.style ? { style: opts.style } : {}),
    ...(opts.confirm
      ? {
          confirm: {
            title: plain(opts.confirm.title),
            text: mrkdwn(opts.confirm.text),
            confirm: plain(opts.confirm.confirm),
            deny: plain(opts.confirm.deny ?? 'Cancel'),
            ...(opts.style ? { style: opts.style } : {}),
          },
        }
      : {}),
  };
}
