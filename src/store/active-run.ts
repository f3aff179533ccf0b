import { UserError } from '../engine/errors.js';
import { isActive, type Run } from '../engine/run.js';

/** One run per node group at a time: the error points at the run that holds it. */
export function assertGroupFree(run: Run, others: Iterable<Pick<Run, 'id' | 'status' | 'ref'>>): void {
  if (!isActive(run.status)) return;
  for (const other of others) {
    if (other.id === run.id || !isActive(other.status)) continue;
    if (other.ref.cluster === run.ref.cluster && other.ref.nodegroup === run.ref.nodegroup) {
      throw new UserError(
        `${run.ref.cluster}/${run.ref.nodegroup} already has an upgrade ${other.status}: run ${other.id}`,
        `see /mng status ${other.id}, or /mng cancel ${other.id} first`,
      );
    }
  }
}
