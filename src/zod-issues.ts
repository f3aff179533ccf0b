// Zod's issues, worded the way mngbot has always worded a bad key: "<key path>: expected <what>[, got
// <value>]". Shared by the configuration, the scenario files, the data file and schedules. Only the
// first issue: a file broken in one place tends to be broken in many, and the first is where to look.
import { z } from 'zod';

/** A value as a message shows it; an absent one is "nothing". */
export const shown = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

/** A schema's error option: "expected <what>, got <the value>". */
export const expected = (what: string) => ({ error: (issue: { input?: unknown }) => `expected ${what}, got ${shown(issue.input)}` });

/**
 * An object that refuses keys it does not know. `unknownKey` words that refusal (the key itself is
 * added to the issue's path by firstIssue); `notObject` what a non-object gets.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T, words: { notObject: string; unknownKey: string }) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? words.unknownKey : `expected ${words.notObject}, got ${shown(issue.input)}`),
  });
}

/** `clusters[0].nodegroups[1].asgName`; "" for the top. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), '');
}

/**
 * The first issue, with the path of the key at fault: an unknown key's own name, and inside a union
 * the issues of the one option that took the value's type (a node group given as { name: 1 } is a
 * bad name, not "neither a name nor a mapping").
 */
export function firstIssue(error: z.ZodError): { path: PropertyKey[]; message: string } {
  return unwrap(error.issues[0], []);
}

function unwrap(issue: z.core.$ZodIssue, prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') return { path: [...path, issue.keys[0]], message: issue.message };
  // A record's bad key: the key schema's own words.
  if (issue.code === 'invalid_key' && issue.issues.length > 0) return { path, message: issue.issues[0].message };
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const typed = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (typed.length === 1) return unwrap(typed[0][0], path);
  }
  return { path, message: issue.message };
}

/** A schema's error option that reads "expected <what>" after the path, without the value (data files: it may be large). */
export const expecting = (what: string) => ({ error: `expected ${what}` });

/** "runs[0].id: expected a string"; `root` names the value itself when the issue is at the top. */
export function zodProblem(error: z.ZodError, root = 'top level'): string {
  const issue = error.issues[0];
  return `${issue.path.length ? z.core.toDotPath(issue.path) : root}: ${issue.message}`;
}
