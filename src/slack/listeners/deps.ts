// What the listeners need, and the small slices of Slack payloads they read. Handlers take these
// rather than Bolt's types so that a test can call them with plain objects.
import type { Engine } from '../../engine/commands.js';
import type { ProgressEvent } from '../../engine/events.js';
import type { AuditEntry, GroupRef, NodeGroups } from '../../engine/ports.js';
import type { Run } from '../../engine/run.js';
import type { Logger } from '../../log.js';
import type { ScheduleStore } from '../../schedule/schedules.js';
import type { Window } from '../../schedule/windows.js';
import type { Approvers } from '../approvers.js';
import type { Block } from '../blocks/kit.js';
import type { ChatApi, ProgressReporter } from '../progress.js';
import type { Targets } from '../targets.js';

export type SlackEngine = Pick<
  Engine,
  'plan' | 'requestUpgrade' | 'approve' | 'reject' | 'cancel' | 'decide' | 'list' | 'get' | 'onEvent' | 'expireStale'
> & {
  /** Not in the engine yet: keeps Slack coordinates (planTs, progressTs) on the run across restarts. */
  setNotify?(runId: string, notify: NonNullable<Run['notify']>): Promise<unknown>;
  /** Not in the engine yet: a run's recent events, for /mng status RUN-ID. */
  events?(runId: string, limit?: number): Promise<{ events: ProgressEvent[]; dropped: number }>;
};

export interface HandlerDeps {
  engine: SlackEngine;
  nodeGroups: Pick<NodeGroups, 'describeCluster' | 'describeNodegroup' | 'listNodegroups'>;
  targets: Targets;
  approvers: Pick<Approvers, 'isApprover' | 'describe'>;
  reporter: Pick<ProgressReporter, 'setCoords'>;
  /** The engine's clock: actors' times and times shown. */
  clock: { now(): number };
  log: Logger;
  /** Records refusals the engine does not see (a cancel by someone not allowed, a refused plan). */
  audit?: (entry: AuditEntry) => Promise<void>;
  /** The last `limit` audit entries, oldest first (RunStore.auditLog): /mng audit. Absent: not available. */
  auditLog?: (limit: number) => Promise<AuditEntry[]>;
  /** A node group's maintenance windows (config.ts windowsFor); absent: no group has any. */
  windowsFor?: (ref: GroupRef) => readonly Window[];
  /** Where /mng schedule keeps schedules (LowdbRunStore, MemoryRunStore). Absent: /mng schedule is not available. */
  schedules?: ScheduleStore;
  /** Ids for new schedules; newScheduleId() by default. */
  newScheduleId?: () => string;
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
