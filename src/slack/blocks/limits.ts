// Slack's Block Kit limits, and a checker every renderer's output is held to (in tests and, cheaply,
// before sending). https://api.slack.com/reference/block-kit/blocks
import type { Block, Button, Message, TextObject } from './kit.js';

export const LIMITS = {
  blocksPerMessage: 50,
  messageText: 40_000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

/** Sections a long list (history, audit, schedules, windows) fills at most: about 35,000 characters, still readable. */
export const MAX_LIST_SECTIONS = 12;

/** Everything about the message that Slack would refuse; empty when it is fine. */
export function limitProblems(msg: Message): string[] {
  const problems: string[] = [];
  const over = (what: string, len: number, max: number) => {
    if (len > max) problems.push(`${what}: ${len} > ${max}`);
  };
  const text = (what: string, t: TextObject | undefined, max: number) => {
    if (!t) return;
    if (t.text.length === 0) problems.push(`${what}: empty text`);
    over(what, t.text.length, max);
  };
  over('message text', msg.text.length, LIMITS.messageText);
  if (msg.text.length === 0) problems.push('message text: empty (the fallback is required)');
  over('blocks', msg.blocks.length, LIMITS.blocksPerMessage);
  const ids = new Set<string>();
  msg.blocks.forEach((b: Block, i) => {
    const at = `block ${i} (${b.type})`;
    if (b.block_id !== undefined) {
      over(`${at} block_id`, b.block_id.length, LIMITS.blockId);
      if (ids.has(b.block_id)) problems.push(`${at}: block_id ${b.block_id} repeats`);
      ids.add(b.block_id);
    }
    switch (b.type) {
      case 'header':
        text(at, b.text, LIMITS.headerText);
        break;
      case 'section':
        if (!b.text && !b.fields?.length) problems.push(`${at}: neither text nor fields`);
        text(at, b.text, LIMITS.sectionText);
        over(`${at} fields`, b.fields?.length ?? 0, LIMITS.sectionFields);
        b.fields?.forEach((f, j) => text(`${at} field ${j}`, f, LIMITS.fieldText));
        break;
      case 'context':
        if (b.elements.length === 0) problems.push(`${at}: no elements`);
        over(`${at} elements`, b.elements.length, LIMITS.contextElements);
        b.elements.forEach((e, j) => text(`${at} element ${j}`, e, LIMITS.contextText));
        break;
      case 'actions':
        if (b.elements.length === 0) problems.push(`${at}: no elements`);
        over(`${at} elements`, b.elements.length, LIMITS.actionsElements);
        b.elements.forEach((e, j) => buttonProblems(`${at} button ${j}`, e, over, text));
        break;
      case 'divider':
        break;
    }
  });
  return problems;
}

function buttonProblems(
  at: string,
  e: Button,
  over: (what: string, len: number, max: number) => void,
  text: (what: string, t: TextObject | undefined, max: number) => void,
): void {
  text(`${at} text`, e.text, LIMITS.buttonText);
  over(`${at} value`, e.value?.length ?? 0, LIMITS.buttonValue);
  over(`${at} action_id`, e.action_id.length, LIMITS.actionId);
  if (e.confirm) {
    text(`${at} confirm title`, e.confirm.title, LIMITS.confirmTitle);
    text(`${at} confirm text`, e.confirm.text, LIMITS.confirmText);
    text(`${at} confirm button`, e.confirm.confirm, LIMITS.confirmButton);
    text(`${at} deny button`, e.confirm.deny, LIMITS.confirmButton);
  }
}

export class BlockLimitError extends Error {
  override name = 'BlockLimitError';
}

export function assertWithinLimits(msg: Message): Message {
  const problems = limitProblems(msg);
  if (problems.length > 0) throw new BlockLimitError(`message exceeds Slack's limits: ${problems.join('; ')}`);
  return msg;
}

/** Cuts text to max characters, saying so at the end. */
export function clip(text: string, max: number, tail = '…'): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - tail.length)) + tail;
}

/**
 * Packs lines into chunks of at most max characters (joined with newlines); a line longer than max
 * is clipped. At most maxChunks chunks; `left` counts the lines that did not fit.
 */
export function packLines(lines: string[], max: number, maxChunks: number): { chunks: string[]; left: number } {
  const chunks: string[] = [];
  if (maxChunks <= 0) return { chunks, left: lines.length };
  let current: string[] = [];
  let len = 0;
  let used = 0;
  for (const raw of lines) {
    const line = clip(raw, max);
    const add = current.length > 0 ? line.length + 1 : line.length;
    if (current.length > 0 && len + add > max) {
      chunks.push(current.join('\n'));
      if (chunks.length >= maxChunks) return { chunks, left: lines.length - used };
      current = [line];
      len = line.length;
    } else {
      current.push(line);
      len += add;
    }
    used++;
  }
  if (current.length > 0) chunks.push(current.join('\n'));
  return { chunks, left: 0 };
}
