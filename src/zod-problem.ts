// How a zod failure reads to a person: the first issue, at its path ("runs[3].nodes: expected a list").
// Only the first: a file broken in one place tends to be broken in many, and the first is where to look.
import { z } from 'zod';

/** "runs[0].id: expected a string"; `root` names the value itself when the issue is at the top. */
export function zodProblem(error: z.ZodError, root = 'top level'): string {
  const issue = error.issues[0];
  return `${issue.path.length ? z.core.toDotPath(issue.path) : root}: ${issue.message}`;
}

/** A schema's error option that reads "expected …" after the path. */
export const expected = (what: string) => ({ error: `expected ${what}` });
