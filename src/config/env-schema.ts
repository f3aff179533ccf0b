// The environment: secrets, switches and where things are. Its schema and the types it gives.
import { z } from 'zod';
import type { SelfPod } from '../engine/step-context.js';
import { LOG_LEVELS, type LogLevel } from '../log.js';
import { DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_RUN_RETENTION_DAYS } from '../store/retention.js';
import { cronText, USER_ID } from './file-schema.js';
import { expected, shown } from '../zod-issues.js';

export const DEFAULT_PORT = 3000;
export const DEFAULT_SIM_SPEED = 60;
export const DEFAULT_DATA_DIR = './data';

const wholeNumberText = (min: number, max: number) =>
  z
    .string()
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, expected(`a whole number from ${min} to ${max}`))
    .transform(Number);

// The Web API client resolves method names against this URL: without the final slash, "api" would be lost.
const httpUrl = z
  .url({ protocol: /^https?$/, ...expected('an http(s) URL like "http://127.0.0.1:4000/api/"') })
  .transform((v) => {
    const href = new URL(v).href;
    return href.endsWith('/') ? href : `${href}/`;
  });

// Keys are the variables' names, quoted as names are (test/deploy finds every variable the manifests set here).
const simWorld = z
  .object({
    'MNG_WORLD': z.literal('sim'),
    'MNG_SCENARIO': z.string({ error: 'expected the path of a scenario file (MNG_WORLD=sim runs against the simulator)' }),
    'MNG_SIM_SPEED': z
      .string()
      .refine((v) => {
        const n = Number(v);
        return Number.isFinite(n) && n > 0 && n <= 1_000_000;
      }, expected('simulated seconds per real second, a number above 0'))
      .transform(Number)
      .default(DEFAULT_SIM_SPEED),
  })
  .transform((e) => ({ world: { kind: 'sim' as const, scenario: e.MNG_SCENARIO, simSpeed: e.MNG_SIM_SPEED } }));

const awsWorld = z
  .object({
    'MNG_WORLD': z.literal('aws'),
    /** A simulated cloud's /world/clock: the bot's clock then runs at the world's pace (npm run world). */
    'MNG_CLOCK_URL': httpUrl.optional(),
  })
  .transform((e) => ({ world: { kind: 'aws' as const, ...(e.MNG_CLOCK_URL ? { clockUrl: e.MNG_CLOCK_URL.replace(/\/$/, '') } : {}) } }));

/** What SLACK_SOCKET_MODE takes for true (the demo reads it too). */
export const TRUTHY = ['true', '1', 'yes', 'on'];

const settings = z
  .object({
    'SLACK_SOCKET_MODE': z.stringbool({ truthy: TRUTHY, falsy: ['false', '0', 'no', 'off'], ...expected('true or false') }).default(false),
    'PORT': wholeNumberText(0, 65535).default(DEFAULT_PORT),
    /** Base URL of the Web API: a fake in tests and the demo. */
    'SLACK_API_URL': httpUrl.optional(),
    // Secrets: a message never shows them.
    'SLACK_BOT_TOKEN': z.string().regex(/^xox[bp]-/, 'expected a bot token starting with "xoxb-"').optional(),
    'SLACK_SIGNING_SECRET': z.string().optional(),
    'SLACK_APP_TOKEN': z.string().startsWith('xapp-', 'expected an app-level token starting with "xapp-"').optional(),
    'MNG_LOG_LEVEL': z
      .custom<LogLevel>((v) => (LOG_LEVELS as readonly unknown[]).includes(v), expected(`one of ${LOG_LEVELS.join(', ')}`))
      .default('info'),
    'MNG_CONFIG': z.string().optional(),
    /** Approvers on top of the file's: Slack user ids, comma-separated. */
    'MNG_APPROVERS': z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()))
      .pipe(z.array(z.string().regex(USER_ID, expected('a Slack user id like "U0123ABC"'))))
      .default([]),
    // Where this mngbot runs, from the downward API.
    'MNG_NODE_NAME': z.string().optional(),
    'MNG_POD_NAME': z.string().optional(),
    'MNG_POD_NAMESPACE': z.string().optional(),
    'MNG_DATA_DIR': z.string().default(DEFAULT_DATA_DIR),
    'MNG_RUN_RETENTION_DAYS': wholeNumberText(1, 100_000).default(DEFAULT_RUN_RETENTION_DAYS),
    'MNG_AUDIT_RETENTION_DAYS': wholeNumberText(1, 100_000).default(DEFAULT_AUDIT_RETENTION_DAYS),
    /** When the AMI watch looks (a cron, read in the file's amiWatch.timezone), or "off". */
    'MNG_AMI_WATCH': z.union([z.literal('off'), cronText], expected('a cron like "0 9 * * *", or off')).optional(),
    // Where runs live: a file (one replica), or the Kubernetes API (two replicas, one leader).
    'MNG_STORE': z.enum(['file', 'kubernetes'], expected('file or kubernetes')).default('file'),
    'MNG_NAMESPACE': z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, expected('a namespace name such as mngbot')).optional(),
    'MNG_LEASE_DURATION_MS': wholeNumberText(1000, 600_000).optional(),
    'MNG_LEASE_RENEW_MS': wholeNumberText(100, 300_000).optional(),
  })
  .superRefine((e, ctx) => {
    const leaseMs = e.MNG_LEASE_DURATION_MS ?? 15_000;
    if (e.MNG_LEASE_RENEW_MS !== undefined && e.MNG_LEASE_RENEW_MS * 3 >= leaseMs * 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['MNG_LEASE_RENEW_MS'],
        message: `renew well within the lease: below ⅔ of MNG_LEASE_DURATION_MS (${leaseMs} ms), such as a third of it`,
      });
    }
    if ((e.MNG_POD_NAME === undefined) !== (e.MNG_POD_NAMESPACE === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [e.MNG_POD_NAME ? 'MNG_POD_NAMESPACE' : 'MNG_POD_NAME'],
        message: 'set MNG_POD_NAME and MNG_POD_NAMESPACE together (the downward API gives both)',
      });
    }
  })
  .transform((e) => {
    const self: SelfPod | undefined = e.MNG_NODE_NAME
      ? { node: e.MNG_NODE_NAME, ...(e.MNG_POD_NAME && e.MNG_POD_NAMESPACE ? { pod: { namespace: e.MNG_POD_NAMESPACE, name: e.MNG_POD_NAME } } : {}) }
      : undefined;
    return {
      slack: {
        socketMode: e.SLACK_SOCKET_MODE,
        port: e.PORT,
        ...(e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN } : {}),
        ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
        ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
        ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
      },
      logLevel: e.MNG_LOG_LEVEL,
      ...(e.MNG_CONFIG ? { configFile: e.MNG_CONFIG } : {}),
      approvers: e.MNG_APPROVERS,
      ...(self ? { self } : {}),
      dataDir: e.MNG_DATA_DIR,
      retention: { runDays: e.MNG_RUN_RETENTION_DAYS, auditDays: e.MNG_AUDIT_RETENTION_DAYS },
      ...(e.MNG_AMI_WATCH ? { amiWatch: e.MNG_AMI_WATCH } : {}),
      store:
        e.MNG_STORE === 'kubernetes'
          ? {
              kind: 'kubernetes' as const,
              ...((e.MNG_NAMESPACE ?? e.MNG_POD_NAMESPACE) ? { namespace: (e.MNG_NAMESPACE ?? e.MNG_POD_NAMESPACE)! } : {}),
              ...(e.MNG_LEASE_DURATION_MS ? { leaseDurationMs: e.MNG_LEASE_DURATION_MS } : {}),
              ...(e.MNG_LEASE_RENEW_MS ? { renewMs: e.MNG_LEASE_RENEW_MS } : {}),
            }
          : { kind: 'file' as const },
    };
  });

export const envSchema = z.preprocess(
  // Blank is unset; MNG_WORLD defaults to the simulator.
  (env) => {
    const set = Object.entries(env as Record<string, string | undefined>).flatMap(([k, v]) => (v?.trim() ? [[k, v.trim()]] : []));
    return { MNG_WORLD: 'sim', ...Object.fromEntries(set) };
  },
  z.intersection(
    settings,
    z.discriminatedUnion('MNG_WORLD', [simWorld, awsWorld], {
      error: (issue) => `expected "sim" or "aws", got ${shown((issue.input as { MNG_WORLD?: unknown } | undefined)?.MNG_WORLD)}`,
    }),
  ),
);
export type EnvSettings = z.output<typeof envSchema>;
export type SlackSettings = EnvSettings['slack'];
export type WorldConfig = EnvSettings['world'];
export type StoreConfig = EnvSettings['store'];
