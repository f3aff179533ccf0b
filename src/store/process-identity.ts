// Who a process is, precisely enough to tell, from the same machine, whether a recorded process is
// still running. A pid alone is not enough: in a container the restarted bot is pid 1 again, so the
// process's start time (from /proc) and the kernel's boot id go with it.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id: changes on every boot (Linux only). */
  bootId?: string;
  /** Field 22 of /proc/<pid>/stat: clock ticks from boot to the process's start (Linux only). */
  startTicks?: string;
  /** When the process started, ms since the epoch (for people). */
  startedAt: number;
  /** The command line, for people. */
  command: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function bootId(): string | undefined {
  return readText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** The start time of a running process in clock ticks since boot; undefined when it is not running or /proc is absent. */
export function startTicks(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  return fields[19];
}

export function thisProcess(): ProcessIdentity {
  return {
    pid: process.pid,
    host: hostname(),
    bootId: bootId(),
    startTicks: startTicks(process.pid),
    startedAt: Math.round(Date.now() - process.uptime() * 1000),
    command: [process.argv0, ...process.execArgv, ...process.argv.slice(1)].join(' '),
  };
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/**
 * Whether the recorded process still runs, judged from this process. Another host, or a record
 * without what the judgement needs, is 'unknown': only the lock's staleness can tell then.
 */
export function liveness(recorded: Partial<ProcessIdentity>, self: ProcessIdentity = thisProcess()): Liveness {
  if (recorded.host !== self.host || !Number.isInteger(recorded.pid)) return 'unknown';
  // A different boot of the same machine: every process of the recorded one is gone.
  if (recorded.bootId && self.bootId && recorded.bootId !== self.bootId) return 'dead';
  const pid = recorded.pid as number;
  if (pid === self.pid && recorded.startTicks && self.startTicks) return recorded.startTicks === self.startTicks ? 'alive' : 'dead';
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
    // EPERM: it exists, under another user.
  }
  if (!recorded.startTicks) return 'unknown';
  const now = startTicks(pid);
  // It exists but /proc does not show it (hidden, or it exited just now): do not guess.
  if (now === undefined) return 'unknown';
  // Same pid, another start: the pid was recycled (a restarted container is pid 1 again).
  return now === recorded.startTicks ? 'alive' : 'dead';
}
