// Someone lowers the node group's desired capacity while mngbot upgrades it (Terraform applying an old
// size), through the AWS API of the simulated cloud: the run stops naming it, as processes.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { REGION, until } from './processes.js';
import { UpgradeSession } from './upgrade-session.js';

describe('a node group changed under a run, as processes', () => {
  it('someone lowers desired mid-run: the run fails naming it, nothing is left tainted or cordoned', { timeout: 180_000 }, async () => {
    const s = await UpgradeSession.open({ label: 'desired-lowered', speed: 30 });
    const asg = new AutoScalingClient({ region: REGION, endpoint: s.world.aws, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    try {
      await s.start();
      await until(async () => Object.keys((await s.world.ledger()).terminationRequests).length >= 1, 'the first termination', 120_000);
      const group = (await asg.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups![0];
      await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: group.AutoScalingGroupName, DesiredCapacity: group.DesiredCapacity! - 3 }));
      await s.waitForEnd();
      expect(s.summaryText()).toMatch(/desired capacity is \d+, below the \d+ mngbot set/);
      await s.stopBot();
      const { problems } = await s.problems({ succeeded: false });
      expect(problems, `logs in ${s.dir}`).toEqual([]);
    } finally {
      asg.destroy();
      await s.close();
    }
  });
});
