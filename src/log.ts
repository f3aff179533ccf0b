// Structured JSON logs, one object a line on stdout. Child loggers carry context (runId, cluster,
// nodegroup) so every line about a run can be found by it. Secrets never reach a line: keys that
// name them are redacted, and so are values shaped like Slack tokens wherever they appear.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where a finished line goes; stdout by default. */
  write?: (line: string) => void;
  /** Fields on every line. */
  base?: LogFields;
  now?: () => Date;
  /** 'json' (default): one object a line, for log collectors. 'text': "mngbot warn: msg (k=v …)", for a terminal. */
  format?: 'json' | 'text';
}

const SECRET_KEY = /token|secret|password|passwd|authorization|signature|cookie|credential|private.?key/i;
/** Slack tokens (xoxb-, xoxp-, xapp-, …) and AWS secret-looking signatures inside free text. */
const SECRET_VALUE = /\b(xox[abeprs]|xapp)-[A-Za-z0-9-]+/g;
const REDACTED = '[redacted]';

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SECRET_VALUE, REDACTED);
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message), ...(value.stack ? { stack: redact(value.stack) } : {}) };
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

type Format = (line: LogFields & { level: LogLevel; msg: string }) => string;

function jsonLine(line: LogFields & { level: LogLevel; msg: string }): string {
  try {
    return JSON.stringify(line);
  } catch {
    return JSON.stringify({ time: line.time, level: line.level, msg: line.msg, note: 'fields could not be serialised' });
  }
}

function textLine({ time: _time, level, msg, ...fields }: LogFields & { level: LogLevel; msg: string }): string {
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : v && typeof v === 'object' && 'message' in v ? String(v.message) : JSON.stringify(v)}`)
    .join(' ');
  return `mngbot ${level}: ${msg}${extra ? ` (${extra})` : ''}`;
}

class LineLogger implements Logger {
  constructor(
    readonly level: LogLevel,
    private readonly write: (line: string) => void,
    private readonly base: LogFields,
    private readonly now: () => Date,
    private readonly format: Format,
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  child(fields: LogFields): Logger {
    return new LineLogger(this.level, this.write, { ...this.base, ...fields }, this.now, this.format);
  }

  private log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.level)) return;
    this.write(this.format(redact({ time: this.now().toISOString(), level, msg, ...this.base, ...fields }) as LogFields & { level: LogLevel; msg: string }));
  }
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return new LineLogger(
    opts.level ?? 'info',
    opts.write ?? ((line) => process.stdout.write(`${line}\n`)),
    opts.base ?? {},
    opts.now ?? (() => new Date()),
    opts.format === 'text' ? textLine : jsonLine,
  );
}

/** Drops everything: tests and benchmarks that do not want output. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });
