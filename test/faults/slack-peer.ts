// Slack's side for bots running as processes: a fake Web API in the test process, and signed slash
// commands and clicks sent to whichever bot process is up.
import { randomBytes } from 'node:crypto';
import { FakeWebApi, type FakeMessage } from '../../src/slack/fake-web-api.js';
import { signedHeaders } from '../e2e/harness.js';

export const CHANNEL = 'C0PLATFORM';
export const REQUESTER = 'UREQUESTER';
export const APPROVER = 'UAPPROVER1';

let triggers = 0;

export class SlackPeer {
  readonly signingSecret = randomBytes(16).toString('hex');
  readonly botToken = `xoxb-faults-${randomBytes(6).toString('hex')}`;

  private constructor(readonly fake: FakeWebApi) {}

  static async start(): Promise<SlackPeer> {
    const fake = await new FakeWebApi({ users: [{ id: REQUESTER, name: 'rita' }, { id: APPROVER, name: 'alice' }] }).start();
    return new SlackPeer(fake);
  }

  async command(botUrl: string, text: string, user = REQUESTER): Promise<{ status: number; body: string }> {
    const body = new URLSearchParams({
      team_id: this.fake.teamId,
      channel_id: CHANNEL,
      channel_name: 'platform',
      user_id: user,
      user_name: user.toLowerCase(),
      command: '/mng',
      text,
      api_app_id: 'A0MNGBOT',
      response_url: this.fake.responseUrl(),
      trigger_id: `trigger-${++triggers}`,
    }).toString();
    return this.post(botUrl, body);
  }

  async click(botUrl: string, actionId: string, value: string, user: string, message: FakeMessage): Promise<{ status: number; body: string }> {
    const payload = {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.fake.teamId },
      api_app_id: 'A0MNGBOT',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      trigger_id: `trigger-${++triggers}`,
      team: { id: this.fake.teamId, domain: 'fake' },
      channel: { id: message.channel, name: 'platform' },
      message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks },
      response_url: this.fake.responseUrl(),
      actions: [{ action_id: actionId, block_id: 'b', value, type: 'button', action_ts: String(Date.now() / 1000) }],
    };
    return this.post(botUrl, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  }

  /** The top-level message that shows a run (its plan). */
  planMessage(): FakeMessage | undefined {
    return [...this.fake.messages.values()].find((m) => !m.thread_ts && m.channel === CHANNEL && /approve/i.test(JSON.stringify(m.blocks ?? [])));
  }

  thread(parent: FakeMessage): FakeMessage[] {
    return this.fake.thread(parent.channel, parent.ts);
  }

  stop(): Promise<void> {
    return this.fake.stop();
  }

  private async post(botUrl: string, body: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${botUrl}/slack/events`, { method: 'POST', headers: signedHeaders(body, { secret: this.signingSecret }), body });
    return { status: res.status, body: await res.text() };
  }
}
