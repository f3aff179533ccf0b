// The AMI watch found groups behind: one message for the fleet in the configured channel, with a
// Schedule into next window button per group.
import type { AmiWatchFinding } from '../app/application.js';
import { errorMessage } from '../engine/errors.js';
import type { Logger } from '../log.js';
import { amiWatchMessage } from './blocks/fleet.js';
import type { ChatApi } from './progress.js';

export async function postAmiWatch(client: ChatApi, finding: AmiWatchFinding, log: Logger): Promise<void> {
  if (!finding.channel) {
    log.warn('AMI watch: node groups are behind, but no channel is configured to say so (amiWatch.channel in MNG_CONFIG)', { behind: finding.behind.length });
    return;
  }
  const msg = amiWatchMessage(finding.behind, finding.report);
  try {
    await client.chat.postMessage({ channel: finding.channel, text: msg.text, blocks: msg.blocks });
    log.info('AMI watch posted', { channel: finding.channel, behind: finding.behind.length });
  } catch (err) {
    log.warn('AMI watch could not post', { channel: finding.channel, error: errorMessage(err) });
  }
}
