// What the person who paused, resumed or cancelled a run is told, whether they clicked or typed.
import type { RunControl } from '../../app/run-controls.js';
import type { Run } from '../../engine/run.js';
import { infoMessage } from './errors.js';
import { code } from './format.js';
import type { Message } from './kit.js';

export function runControlReply(action: RunControl, run: Run): Message {
  const id = code(run.id);
  switch (action) {
    case 'pause':
      return infoMessage(`Pausing run ${id}: the nodes in flight finish, no new node starts. Resume it from the progress message or with \`/mng resume ${run.id}\`.`);
    case 'resume':
      return infoMessage(
        run.outsideWindows && run.status === 'running'
          ? `Resumed run ${id}: it carries on now, outside the maintenance window.`
          : `Resumed run ${id}: it carries on with the next nodes.`,
      );
    case 'cancel':
      return infoMessage(
        run.status === 'cancelled'
          ? `Cancelled run ${id} before it started: nothing was changed.`
          : `Cancelling run ${id}: it stops at its next safe point and puts back what it changed. The thread says when it is done.`,
      );
  }
}
