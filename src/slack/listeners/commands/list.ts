// /mng list: every configured cluster and node group as it is now, with any upgrade holding it.
import { errorMessage } from '../../../engine/errors.js';
import { ACTIVE_STATUSES } from '../../../engine/run.js';
import { listMessage, type ClusterRow, type GroupRow } from '../../blocks/list.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

export async function listCommand(deps: HandlerDeps, ctx: CommandContext): Promise<void> {
  const active = await deps.engine.list({ statuses: [...ACTIVE_STATUSES, 'awaiting-approval'] });
  const rows = await Promise.all(
    deps.targets.clusters.map(async (c): Promise<ClusterRow> => {
      try {
        const [info, names] = await Promise.all([deps.nodeGroups.describeCluster(c.name), deps.targets.groupsOf(c)]);
        const groups = await Promise.all(
          names.map(async (name): Promise<GroupRow> => {
            const run = active.find((r) => r.ref.cluster === c.name && r.ref.nodegroup === name);
            const activeRun = run ? { activeRun: { id: run.id, status: run.status } } : {};
            try {
              const g = await deps.nodeGroups.describeNodegroup({ cluster: c.name, nodegroup: name });
              return {
                name,
                version: g.version,
                releaseVersion: g.releaseVersion,
                sizes: g.sizes,
                status: g.status,
                managed: g.managed,
                instanceType: g.instanceType,
                ...activeRun,
              };
            } catch (err) {
              return { name, error: errorMessage(err), ...activeRun };
            }
          }),
        );
        return { name: c.name, version: info.version, status: info.status, groups };
      } catch (err) {
        return { name: c.name, error: errorMessage(err), groups: [] };
      }
    }),
  );
  await ephemeral(ctx.respond, listMessage(rows), deps.log);
}
