// A moto_server of our own on a free 127.0.0.1 port, and helpers to build worlds in it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client, RegisterImageCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';

export const REGION = 'us-west-2';
export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** `env`: extra environment for moto_server, e.g. MOTO_AMIS_PATH (the only AMIs it then knows). */
export async function startMoto(opts: { env?: Record<string, string> } = {}): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${endpoint}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function sdkConfig(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = CREDENTIALS) {
  return { region: REGION, endpoint, credentials };
}

/** A launch template and an Auto Scaling group launched from it (moto starts the instances at once). */
export async function makeGroup(
  endpoint: string,
  opts: {
    name: string;
    imageId: string;
    desired?: number;
    instanceType?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    ltVersion?: string;
  },
): Promise<{ asgName: string; launchTemplateId: string }> {
  const cfg = sdkConfig(endpoint, opts.credentials);
  const ec2 = new EC2Client(cfg);
  const asg = new AutoScalingClient(cfg);
  const lt = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${opts.name}-lt`,
      LaunchTemplateData: { ImageId: opts.imageId, InstanceType: (opts.instanceType ?? 'm5.large') as _InstanceType },
    }),
  );
  const launchTemplateId = lt.LaunchTemplate!.LaunchTemplateId!;
  const desired = opts.desired ?? 2;
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: opts.name,
      MinSize: 1,
      MaxSize: 10,
      DesiredCapacity: desired,
      LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: opts.ltVersion ?? '1' },
      AvailabilityZones: [`${REGION}a`, `${REGION}b`],
    }),
  );
  ec2.destroy();
  asg.destroy();
  return { asgName: opts.name, launchTemplateId };
}

/** Registers an image with the given name (moto accepts any image id in a template; a name lets us identify it). */
export async function registerImage(endpoint: string, name: string): Promise<string> {
  const ec2 = new EC2Client(sdkConfig(endpoint));
  const out = await ec2.send(new RegisterImageCommand({ Name: name, Architecture: 'x86_64', RootDeviceName: '/dev/xvda' }));
  ec2.destroy();
  return out.ImageId!;
}

export async function putParameters(endpoint: string, params: Record<string, string>): Promise<void> {
  const ssm = new SSMClient(sdkConfig(endpoint));
  for (const [Name, Value] of Object.entries(params)) {
    await ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', Overwrite: true }));
  }
  ssm.destroy();
}
