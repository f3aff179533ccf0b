// /mng list: the configured clusters and node groups as they are now.
import type { ClusterRow, GroupRow } from '../../app/overview.js';
import { code, esc, STATUS_EMOJI, statusWord } from './format.js';
import { context, header, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, packLines } from './limits.js';

export type { ClusterRow, GroupRow } from '../../app/overview.js';

function groupLine(g: GroupRow): string {
  if (g.error) return `• ${code(g.name)}: :warning: ${esc(clip(g.error, 300))}`;
  const sizes = g.sizes ? `${g.sizes.min}/${g.sizes.max}/${g.sizes.desired}` : '?';
  const run = g.activeRun ? ` · ${STATUS_EMOJI[g.activeRun.status]} run ${code(g.activeRun.id)} ${statusWord(g.activeRun.status)}` : '';
  return (
    `• ${code(g.name)} · ${esc(g.version ?? '?')} · AMI ${esc(g.releaseVersion ?? '?')} · size ${sizes} (min/max/desired)` +
    ` · ${esc(g.status ?? '?')}${g.managed === undefined ? '' : g.managed ? ' · managed' : ' · self-managed'}${g.instanceType ? ` · ${esc(g.instanceType)}` : ''}${run}`
  );
}

export function listMessage(clusters: ClusterRow[]): Message {
  const blocks: Block[] = [header('Clusters and node groups')];
  if (clusters.length === 0) {
    blocks.push(section('No clusters are configured. Name them in the file MNG_CONFIG points at (clusters: …).'));
  }
  const perCluster = Math.max(1, Math.floor((LIMITS.blocksPerMessage - 2) / Math.max(1, clusters.length)) - 1);
  let chars = 0;
  let shown = 0;
  for (const c of clusters.slice(0, 24)) {
    // Past this the list is no longer read; the rest is counted.
    if (chars > 30_000) break;
    shown++;
    const head = `*${esc(c.name)}*${c.version ? ` · control plane ${esc(c.version)}` : ''}${c.status ? ` · ${esc(c.status)}` : ''}`;
    if (c.error) {
      blocks.push(section(clip(`${head}\n:warning: ${esc(c.error)}`, LIMITS.sectionText)));
      chars += 300;
      continue;
    }
    const lines = c.groups.length ? c.groups.map(groupLine) : ['_no node groups_'];
    const { chunks, left } = packLines([head, ...lines], LIMITS.sectionText - 40, perCluster);
    for (const ch of chunks) blocks.push(section(ch));
    chars += chunks.reduce((n, ch) => n + ch.length, 0);
    if (left) blocks.push(context(`…and ${left} more node groups`));
  }
  if (clusters.length > shown) blocks.push(context(`…and ${clusters.length - shown} more clusters`));
  if (blocks.length >= LIMITS.blocksPerMessage) blocks.length = LIMITS.blocksPerMessage - 1;
  blocks.push(context('Upgrade one with `/mng upgrade nodegroup <version> --cluster C --nodegroup N`; see `/mng help`.'));
  const text = clusters.map((c) => `${c.name}: ${c.groups.map((g) => `${g.name} ${g.version ?? '?'}`).join(', ')}`).join('; ') || 'no clusters configured';
  return assertWithinLimits({ text: clip(text, 3000), blocks });
}
