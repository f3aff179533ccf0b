// What the listeners need, and the small slices of Slack payloads they read. Handlers take these
// rather than Bolt's types so that a test can call them with plain objects.
import type { Logger } from '../../log.js';
import type { Application } from '../../app/application.js';
import type { Block } from '../blocks/kit.js';
import type { ChatApi, ProgressReporter } from '../progress.js';

export interface HandlerDeps {
  /** The use cases; handlers parse, call one, and word its outcome. */
  app: Application;
  reporter: Pick<ProgressReporter, 'setCoords'>;
  log: Logger;
}

export interface RespondMessage {
  text: string;
  blocks?: Block[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
}

export type Respond = (message: RespondMessage) => Promise<unknown>;
export type Ack = () => Promise<void>;

export interface SlashCommand {
  text: string;
  user_id: string;
  channel_id: string;
  channel_name?: string;
  response_url?: string;
}

export interface CommandArgs {
  command: SlashCommand;
  ack: Ack;
  respond: Respond;
  client: ChatApi;
}

/** What every /mng subcommand gets. */
export interface CommandContext {
  user: string;
  channel: { id: string; name?: string };
  respond: Respond;
  client: ChatApi;
}

export interface ActionBody {
  user: { id: string };
  channel?: { id: string; name?: string };
  container?: { channel_id?: string; message_ts?: string };
  message?: { ts: string; thread_ts?: string };
}

export interface ActionArgs {
  body: ActionBody;
  action: { action_id: string; value?: string };
  ack: Ack;
  respond: Respond;
  client: ChatApi;
}
