// The configuration file (YAML or JSON, named by MNG_CONFIG): its schema and the types it gives.
//
// Maintenance windows. Three levels, the most specific wins (windowsFor):
//
//   windows: [{ cron: "0 2 * * SAT", duration: 4h, timezone: Europe/Berlin }]   # global
//   clusters:
//     - name: prod
//       windows: [{ cron: "0 22 * * FRI", duration: 6h, timezone: UTC }]       # every group of prod…
//       nodegroups:
//         - ng-web                                                              # …such as this one
//         - name: ng-batch                                                      # …except this one:
//           windows: [{ cron: "0 1 * * *", duration: 2h, timezone: UTC }]
//         - name: ng-canary
//           windows: []                                                         # none: runs at once
//
// A group with windows is upgraded only inside them; a group without any (none at any level, or an
// explicit empty list at the most specific level that has the key) runs as soon as it is approved.
// A `nodegroups` item is a name or { name, windows }; plain names keep older files valid.
import { z } from 'zod';
import { NAME } from '../app/names.js';
import { parseDurationMs, readDurationMs } from '../engine/duration.js';
import { UserError } from '../engine/errors.js';
import type { Strategy } from '../engine/run.js';
import { parseCron } from '../schedule/cron.js';
import { validateWindows, type Window } from '../schedule/windows.js';
import { assertTimeZone } from '../schedule/zoned-time.js';
import { expected, shown, strictObject } from '../zod-issues.js';

/** A Slack user id, as the file's approvers and MNG_APPROVERS give them. */
export const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;
const CHANNEL = /^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{2,})$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

const mapping = <T extends z.core.$ZodLooseShape>(shape: T) =>
  strictObject(shape, { notObject: 'a mapping', unknownKey: `unknown key (expected one of ${Object.keys(shape).join(', ')})` });

const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, expected(`a list of ${what}`));

const matching = (pattern: RegExp, what: string) => z.string(expected(what)).regex(pattern, expected(what));

const wholeNumber = (min: number, max: number) => {
  const what = expected(`a whole number from ${min} to ${max}`);
  return z.number(what).int(what).min(min, what).max(max, what);
};

const duration = z.string(expected('a duration like "15m" or "1h"')).transform((text, ctx) => {
  try {
    return parseDurationMs(text);
  } catch {
    ctx.issues.push({ code: 'custom', input: text, message: `expected a duration like "15m" or "1h", got ${shown(text)}` });
    return z.NEVER;
  }
});

/** A duration, or 0 (a number or "0") for none. */
const durationOrZero = z.union([z.literal(0), z.string()], expected('a duration like "60s", or 0')).transform((v, ctx) => {
  const ms = v === 0 || v.trim() === '0' ? 0 : readDurationMs(v);
  if (ms !== undefined) return ms;
  ctx.issues.push({ code: 'custom', input: v, message: `expected a duration like "60s", or 0, got ${shown(v)}` });
  return z.NEVER;
});

const windowSchema = mapping({
  cron: z.string(expected('a string')),
  duration: z.string(expected('a string')),
  timezone: z.string(expected('a string')),
});

/** A list of { cron, duration, timezone }; the window's own rules (cron syntax, zone, at most 7 days) are schedule/windows.ts's. */
const windowList = z
  .array(windowSchema, expected('a list of windows like { cron: "0 2 * * SAT", duration: 4h, timezone: Europe/Berlin }'))
  .superRefine((windows, ctx) => {
    try {
      validateWindows(windows, '');
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      // validateWindows names the field relative to the list: "[1].timezone: unknown time zone …".
      const m = /^\[(\d+)\](?:\.(\w+))?: ([\s\S]*)$/.exec(err.message);
      const path = m ? [Number(m[1]), ...(m[2] ? [m[2]] : [])] : [];
      const message = m ? m[3] : err.message;
      ctx.addIssue({ code: 'custom', path, message: err.hint ? `${message} (${err.hint})` : message });
    }
  });

const nodegroupName = matching(NAME, 'a node group name');

const nodegroupList = list(
  z.union([nodegroupName, mapping({ name: nodegroupName, windows: windowList.optional() })], expected('a node group name')),
  'node group names (or { name, windows })',
).superRefine((groups, ctx) => {
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    const name = typeof g === 'string' ? g : g.name;
    if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i], message: `node group ${name} is listed twice` });
    seen.add(name);
  });
});

/** A self-managed node group: its Auto Scaling group and image family (EKS knows nothing of it). */
export const selfManagedGroupSchema = mapping({
  asgName: z.string(expected("the Auto Scaling group's name")).min(1, expected("the Auto Scaling group's name")),
  /** An EKS amiType naming the image family, e.g. AL2023_x86_64_STANDARD; CUSTOM for your own AMIs. */
  amiType: matching(/^[A-Za-z0-9_]+$/, 'an EKS amiType like "AL2023_x86_64_STANDARD" or "CUSTOM"'),
  /** Used when the image's name does not tell (custom AMIs). */
  version: z.string(expected('text')).optional(),
  releaseVersion: z.string(expected('text')).optional(),
  /** Nodes replaced at a time; 1 when unset. */
  maxUnavailable: wholeNumber(1, 100).optional(),
});
export type SelfManagedGroup = z.output<typeof selfManagedGroupSchema>;

export const clusterSchema = mapping({
  name: matching(NAME, 'a cluster name'),
  region: matching(REGION, 'an AWS region like "us-west-2"').optional(),
  /** Assumed through STS for every call on this cluster: one bot, several accounts. */
  roleArn: matching(ROLE_ARN, 'an IAM role ARN like "arn:aws:iam::123456789012:role/mngbot"').optional(),
  externalId: z.string(expected("the role's external id")).min(1, expected("the role's external id")).optional(),
  /** The node groups mngbot may upgrade (absent: every group the cluster has), each a name or { name, windows }. */
  nodegroups: nodegroupList.optional(),
  /** Self-managed node groups by name: EKS does not know them, so the file names each one's Auto Scaling group. */
  selfManaged: z
    .record(z.string().regex(NAME, 'expected a node group name'), selfManagedGroupSchema, expected('a mapping of node group name to { asgName, amiType }'))
    .optional(),
  /** Channels (ids like C0123, or names like #ops) upgrades of this cluster may be driven from; absent: any. */
  channels: list(matching(CHANNEL, 'a channel id like "C0123ABC" or a name like "#ops"'), 'a channel id like "C0123ABC" or a name like "#ops"').optional(),
  /** Windows of every node group of the cluster that has none of its own. */
  windows: windowList.optional(),
}).transform(({ nodegroups, ...cluster }) => {
  // Node groups listed as { name, windows } keep their own windows, keyed by group name;
  // defineProperty: a group name is data, even one spelt "__proto__".
  const nodegroupWindows: Record<string, Window[]> = {};
  for (const g of nodegroups ?? []) {
    if (typeof g !== 'string' && g.windows) {
      Object.defineProperty(nodegroupWindows, g.name, { value: g.windows, enumerable: true, writable: true, configurable: true });
    }
  }
  return {
    ...cluster,
    ...(nodegroups ? { nodegroups: nodegroups.map((g) => (typeof g === 'string' ? g : g.name)) } : {}),
    ...(Object.keys(nodegroupWindows).length > 0 ? { nodegroupWindows } : {}),
  };
});
export type ClusterConfig = z.output<typeof clusterSchema>;

const strategy = z.enum(['rolling', 'eks'], expected('"rolling" or "eks"')) satisfies z.ZodType<Strategy>;

const defaultsSchema = mapping({
  strategy: strategy.optional(),
  maxUnavailable: wholeNumber(1, 100).optional(),
  drainTimeout: duration.optional(),
  /** Between cordon and terminate (rolling), for load balancers to deregister the node; "0" for none. 60s when unset, as EKS. */
  deregistrationWait: durationOrZero.optional(),
  /** The health gate's bake after the canary (rolling); "0" for none. 5m when unset. */
  bake: durationOrZero.optional(),
  approvalExpiry: duration.optional(),
}).transform(({ drainTimeout, deregistrationWait, bake, approvalExpiry, ...rest }) => ({
  ...rest,
  ...(bake !== undefined ? { bakeMs: bake } : {}),
  ...(drainTimeout !== undefined ? { drainTimeoutMs: drainTimeout } : {}),
  ...(deregistrationWait !== undefined ? { deregistrationWaitMs: deregistrationWait } : {}),
  ...(approvalExpiry !== undefined ? { approvalExpiryMs: approvalExpiry } : {}),
}));

/** A five-field cron, checked as maintenance windows' are. */
export const cronText = z.string(expected('a cron like "0 9 * * *"')).superRefine((text, ctx) => {
  try {
    parseCron(text);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.hint ? `${err.message} (${err.hint})` : err.message });
  }
});

const timeZone = z.string(expected('an IANA time zone like "Europe/Berlin"')).superRefine((text, ctx) => {
  try {
    assertTimeZone(text, 'timezone');
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.hint ? `${err.message.replace(/^timezone: /, '')} (${err.hint})` : err.message.replace(/^timezone: /, '') });
  }
});

/**
 * The AMI watch: when it compares every node group's release with the latest (a cron in a zone, as
 * windows are) and where it posts; false turns it off. MNG_AMI_WATCH overrides the cron, or "off".
 */
const amiWatchSchema = z.union(
  [
    z.literal(false),
    mapping({
      cron: cronText.optional(),
      timezone: timeZone.optional(),
      channel: matching(CHANNEL, 'a channel id like "C0123ABC" or a name like "#ops"').optional(),
    }),
  ],
  expected('false, or { cron: "0 9 * * *", timezone: UTC, channel: "#ops" }'),
);

export const fileConfigSchema = z.preprocess(
  // An empty file is no settings.
  (raw) => raw ?? {},
  mapping({
    clusters: list(clusterSchema, 'clusters')
      .superRefine((clusters, ctx) => {
        clusters.forEach((c, i) => {
          if (clusters.findIndex((x) => x.name === c.name) < i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `cluster ${c.name} is listed twice` });
        });
      })
      .default([]),
    /** Global maintenance windows: for groups whose cluster and entry have none. */
    windows: windowList.default([]),
    approvers: mapping({
      users: list(matching(USER_ID, 'a Slack user id like "U0123ABC"'), 'a Slack user id like "U0123ABC"').default([]),
      groups: list(matching(GROUP_ID, 'a Slack user-group id like "S0123ABC"'), 'a Slack user-group id like "S0123ABC"').default([]),
    }).default({ users: [], groups: [] }),
    defaults: defaultsSchema.default({}),
    allowSelfApproval: z.boolean(expected('true or false')).optional(),
    amiWatch: amiWatchSchema.optional(),
  }),
);
export type FileConfig = z.output<typeof fileConfigSchema>;
export type FileDefaults = FileConfig['defaults'];
