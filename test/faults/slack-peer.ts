// Slack's side for bots running as processes: a fake Web API in the test process, and signed slash
// commands and clicks sent to whichever bot process is up.
import { randomBytes } from 'node:crypto';
import { FakeWebApi, type FakeMessage } from '../slack/fake-web-api.js';
import { blockActionsForm, signedHeaders, slashCommandForm } from '../e2e/harness.js';

export const CHANNEL = 'C0PLATFORM';
export const REQUESTER = 'UREQUESTER';
export const APPROVER = 'UAPPROVER1';

export class SlackPeer {
  readonly signingSecret = randomBytes(16).toString('hex');
  readonly botToken = `xoxb-faults-${randomBytes(6).toString('hex')}`;

  private constructor(readonly fake: FakeWebApi) {}

  static async start(): Promise<SlackPeer> {
    const fake = await new FakeWebApi({ users: [{ id: REQUESTER, name: 'rita' }, { id: APPROVER, name: 'alice' }] }).start();
    return new SlackPeer(fake);
  }

  command(botUrl: string, text: string, user = REQUESTER): Promise<{ status: number; body: string }> {
    return this.post(botUrl, slashCommandForm({ teamId: this.fake.teamId, text, user, channel: CHANNEL, responseUrl: this.fake.responseUrl() }));
  }

  click(botUrl: string, actionId: string, value: string, user: string, message: FakeMessage): Promise<{ status: number; body: string }> {
    return this.post(botUrl, blockActionsForm({ teamId: this.fake.teamId, actionId, value, user, message, responseUrl: this.fake.responseUrl() }));
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
