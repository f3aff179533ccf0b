// Who may approve: configured user ids, members of configured user groups (looked up and cached),
// and MNG_APPROVERS. The engine asks this on every decision, server-side.
import type { ApprovalPolicy } from '../engine/commands.js';
import { errorMessage } from '../engine/errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';

/** The part of Slack's Web API client this needs. */
export interface UserGroupsApi {
  usergroups: { users: { list(args: { usergroup: string }): Promise<{ users?: string[] }> } };
}

export interface ApproversOptions {
  users: readonly string[];
  groups: readonly string[];
  allowSelfApproval: boolean;
  /** How long a group's member list is trusted; 5 minutes by default. */
  ttlMs?: number;
  log?: Logger;
  now?: () => number;
}

interface CachedGroup {
  members: Set<string>;
  fetchedAt: number;
}

export class Approvers implements ApprovalPolicy {
  readonly allowSelfApproval: boolean;
  private readonly users: Set<string>;
  private readonly groups: readonly string[];
  private readonly ttlMs: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly cache = new Map<string, CachedGroup>();
  private readonly inflight = new Map<string, Promise<Set<string>>>();
  private client?: UserGroupsApi;

  constructor(opts: ApproversOptions) {
    this.users = new Set(opts.users);
    this.groups = [...opts.groups];
    this.allowSelfApproval = opts.allowSelfApproval;
    this.ttlMs = opts.ttlMs ?? 5 * 60_000;
    this.log = opts.log ?? silentLogger;
    this.now = opts.now ?? Date.now;
  }

  /** The Slack client to look groups up with (set once the app exists). */
  useClient(client: UserGroupsApi): void {
    this.client = client;
  }

  async isApprover(user: string): Promise<boolean> {
    if (this.users.has(user)) return true;
    for (const g of this.groups) if ((await this.members(g)).has(user)) return true;
    return false;
  }

  /** For Slack messages: who can approve, as mentions; the requester left out unless self-approval is allowed. */
  describe(requester?: string): string {
    const users = [...this.users].filter((u) => this.allowSelfApproval || u !== requester);
    const parts = [...users.map((u) => `<@${u}>`), ...this.groups.map((g) => `<!subteam^${g}>`)];
    if (parts.length) return parts.join(', ');
    return this.configured ? 'someone other than you (you are the only approver configured)' : 'nobody (no approvers are configured)';
  }

  /** Who can approve in plain text: user ids, and user groups by id. */
  list(): string {
    const parts = [...this.users, ...this.groups.map((g) => `members of user group ${g}`)];
    return parts.length ? parts.join(', ') : 'nobody (no approvers are configured)';
  }

  get configured(): boolean {
    return this.users.size > 0 || this.groups.length > 0;
  }

  private members(group: string): Promise<Set<string>> {
    const cached = this.cache.get(group);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return Promise.resolve(cached.members);
    let pending = this.inflight.get(group);
    if (!pending) {
      pending = this.fetch(group, cached).finally(() => this.inflight.delete(group));
      this.inflight.set(group, pending);
    }
    return pending;
  }

  private async fetch(group: string, stale: CachedGroup | undefined): Promise<Set<string>> {
    if (!this.client) return stale?.members ?? new Set();
    try {
      const res = await this.client.usergroups.users.list({ usergroup: group });
      const members = new Set(res.users ?? []);
      this.cache.set(group, { members, fetchedAt: this.now() });
      return members;
    } catch (err) {
      // Keep answering from what we knew: a Slack hiccup should not lock approvers out.
      this.log.warn('could not list user-group members', { group, error: errorMessage(err), usingStale: !!stale });
      return stale?.members ?? new Set();
    }
  }
}
