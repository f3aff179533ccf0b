// Which clusters and node groups may be upgraded, and from which channels; fills in what a command
// left out when only one choice exists.
import type { ClusterConfig } from '../config.js';
import { UserError } from '../engine/errors.js';
import type { GroupRef, NodeGroups } from '../engine/ports.js';

export interface ChannelRef {
  id: string;
  name?: string;
}

export class Targets {
  constructor(
    readonly clusters: readonly ClusterConfig[],
    private readonly nodeGroups: Pick<NodeGroups, 'listNodegroups'>,
  ) {}

  cluster(name: string): ClusterConfig | undefined {
    return this.clusters.find((c) => c.name === name);
  }

  /** The configured node groups of a cluster, or all it has when none are named. */
  async groupsOf(cluster: ClusterConfig): Promise<string[]> {
    return cluster.nodegroups ?? (await this.nodeGroups.listNodegroups(cluster.name));
  }

  channelAllowed(cluster: ClusterConfig, channel: ChannelRef): boolean {
    if (!cluster.channels || cluster.channels.length === 0) return true;
    return cluster.channels.some((c) => c === channel.id || (channel.name !== undefined && c === `#${channel.name}`));
  }

  /** The node group a command means; UserError when it names an unknown one or must name one. */
  async resolve(wanted: { cluster?: string; nodegroup?: string }, channel?: ChannelRef): Promise<GroupRef> {
    if (this.clusters.length === 0) {
      throw new UserError('no clusters are configured', 'list them under "clusters" in the file MNG_CONFIG names');
    }
    let cluster: ClusterConfig | undefined;
    if (wanted.cluster) {
      cluster = this.cluster(wanted.cluster);
      if (!cluster) throw new UserError(`cluster ${wanted.cluster} is not configured`, `configured: ${this.clusters.map((c) => c.name).join(', ')}`);
    } else if (this.clusters.length === 1) {
      cluster = this.clusters[0];
    } else {
      throw new UserError('which cluster?', `name it with --cluster: ${this.clusters.map((c) => c.name).join(', ')}`);
    }
    if (channel && !this.channelAllowed(cluster, channel)) {
      throw new UserError(`upgrades of ${cluster.name} are not driven from this channel`, `use ${cluster.channels!.join(', ')}`);
    }
    const groups = await this.groupsOf(cluster);
    let nodegroup: string;
    if (wanted.nodegroup) {
      if (!groups.includes(wanted.nodegroup)) {
        throw new UserError(
          `node group ${wanted.nodegroup} is not ${cluster.nodegroups ? 'configured' : 'in'} cluster ${cluster.name}`,
          groups.length ? `${cluster.name} has: ${groups.join(', ')}` : undefined,
        );
      }
      nodegroup = wanted.nodegroup;
    } else if (groups.length === 1) {
      nodegroup = groups[0];
    } else if (groups.length === 0) {
      throw new UserError(`cluster ${cluster.name} has no node groups mngbot may upgrade`);
    } else {
      throw new UserError('which node group?', `name it with --nodegroup: ${groups.join(', ')}`);
    }
    return { cluster: cluster.name, nodegroup };
  }
}
