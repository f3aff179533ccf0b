// A Block Kit message as plain text, so a reviewer reads the words of a snapshot rather than its JSON.
import type { Block, Message } from '../../src/slack/blocks/kit.js';

export function blockText(m: Message): string {
  return [`(notification) ${m.text}`, ...m.blocks.map(blockLines)].join('\n\n') + '\n';
}

function blockLines(b: Block): string {
  switch (b.type) {
    case 'header':
      return `# ${b.text.text}`;
    case 'section':
      return [b.text?.text, ...(b.fields ?? []).map((f) => `| ${f.text.replace(/\n/g, ': ')}`)].filter((x) => x !== undefined).join('\n');
    case 'context':
      return b.elements.map((e) => `> ${e.text}`).join('\n');
    case 'actions':
      return b.elements.map((e) => `[${e.text.text}]${e.confirm ? ` (asks: ${e.confirm.title.text} ${e.confirm.text.text})` : ''}`).join(' ');
    case 'divider':
      return '---';
  }
}
