// mngbot status [RUN]: the runs a data directory records, newest first, or one run with its latest
// events — what the engine's hints point CLI users at ("see mngbot status r-…").
import { UserError } from '../engine/errors.js';
import { formatDuration } from '../engine/duration.js';
import type { Run } from '../engine/run.js';
import type { CliIo } from './io.js';
import { changesText } from './output.js';
import { openSession, type SessionArgs } from './session.js';
import { UsageError } from './usage-error.js';
import { summaryWords } from './words.js';

const EVENTS_SHOWN = 15;

function runLine(r: Run): string {
  const took = r.startedAt && r.finishedAt ? `, took ${formatDuration(r.finishedAt - r.startedAt)}` : '';
  return `${r.id}  ${r.ref.cluster}/${r.ref.nodegroup}  ${r.status}  ${r.plan.fromVersion} → ${r.plan.toVersion} (${r.plan.toRelease})  asked by ${r.requestedBy.user} at ${new Date(r.createdAt).toISOString()}${took}`;
}

export async function statusCommand(runId: string | undefined, args: SessionArgs & { json?: boolean }, io: CliIo): Promise<number> {
  const s = await openSession(args, io, { keepRuns: true });
  try {
    if (!s.dataFile) throw new UsageError('which data directory records the runs? give --data-dir DIR, or set MNG_DATA_DIR');
    if (runId === undefined) {
      const runs = await s.driver.settle(s.app.history());
      if (args.json) io.out(JSON.stringify({ kind: 'runs', runs: runs.map((r) => ({ id: r.id, ref: r.ref, status: r.status, toVersion: r.plan.toVersion, createdAt: r.createdAt })) }));
      else io.out(runs.length ? runs.map(runLine).join('\n') : `${s.dataFile} records no runs`);
      return 0;
    }
    const found = await s.driver.settle(s.app.status(runId, EVENTS_SHOWN));
    if (!found) throw new UserError(`there is no run ${runId} in ${s.dataFile}`, 'mngbot status lists the runs there are');
    const { run, events } = found;
    if (args.json) {
      io.out(JSON.stringify({ kind: 'run', run, events }));
      return 0;
    }
    io.out(runLine(run));
    io.out(`phase ${run.phase}${run.outcome ? `: ${summaryWords(run.outcome)}` : ''}`);
    if (events.length) io.out(['latest events:', ...events.map((e) => `  ${e}`)].join('\n'));
    for (const line of run.status === 'succeeded' || !run.outcome ? [] : changesText(run).slice(1)) io.out(line);
    return 0;
  } finally {
    await s.close();
  }
}
