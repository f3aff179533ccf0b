// What moto cannot do: throttling, and EKS UpdateNodegroupVersion/DescribeUpdate. A tiny fake AWS on
// 127.0.0.1 answers in the services' wire formats (Auto Scaling: query/XML; EKS: REST/JSON), so the
// real SDK clients, their retry strategy and our translation all run.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EksNodeGroups } from '../../src/aws/eks-node-groups.js';
import { RetryableError, UserError } from '../../src/engine/errors.js';
import { CREDENTIALS, REGION } from './moto.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let endpoint: string;
let handler: Handler;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  endpoint = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => {
  seen.length = 0;
});

function nodeGroups(maxAttempts?: number) {
  return new EksNodeGroups({
    endpoint,
    credentials: CREDENTIALS,
    ...(maxAttempts ? { maxAttempts } : {}),
    clusters: { prod: { region: REGION, selfManaged: { workers: { asgName: 'workers-asg', amiType: 'CUSTOM' } } } },
  });
}

const ASG_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

function xmlError(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(
    `<ErrorResponse xmlns="${ASG_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
  );
}

function json(res: ServerResponse, status: number, body: unknown, errorType?: string) {
  res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
  res.end(JSON.stringify(body));
}

describe('throttling', () => {
  it('is retried with backoff until the call goes through', async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      if (calls <= 2) return xmlError(res, 400, 'Throttling', 'Rate exceeded');
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<UpdateAutoScalingGroupResponse xmlns="${ASG_NS}"><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></UpdateAutoScalingGroupResponse>`,
      );
    };
    const ng = nodeGroups();
    await ng.setSizes({ cluster: 'prod', nodegroup: 'workers' }, { desired: 3 });
    expect(calls).toBe(3);
    expect(seen[2].body).toContain('Action=UpdateAutoScalingGroup');
    expect(seen[2].body).toContain('DesiredCapacity=3');
    ng.destroy();
  });

  it('becomes a RetryableError naming the call once the retries are spent', async () => {
    handler = (_req, res) => xmlError(res, 400, 'Throttling', 'Rate exceeded');
    const ng = nodeGroups(2);
    const err = await ng.setSizes({ cluster: 'prod', nodegroup: 'workers' }, { min: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as Error).message).toMatch(/^Auto Scaling UpdateAutoScalingGroup workers-asg \(min=1\): Throttling/);
    expect(seen).toHaveLength(2);
    ng.destroy();
  });

  it('translates AccessDenied into the call, the resource and the permission to check', async () => {
    handler = (_req, res) => xmlError(res, 403, 'AccessDenied', 'User: arn:aws:iam::1:user/bot is not authorized');
    const ng = nodeGroups();
    await expect(ng.suspendProcesses({ cluster: 'prod', nodegroup: 'workers' }, ['AZRebalance'])).rejects.toThrow(
      /^Auto Scaling SuspendProcesses AZRebalance in workers-asg: AccessDenied — check the bot's IAM policy allows autoscaling:SuspendProcesses/,
    );
    expect(seen).toHaveLength(1);
    ng.destroy();
  });
});

describe('EKS version updates (moto has no UpdateNodegroupVersion)', () => {
  const ref = { cluster: 'prod', nodegroup: 'apps' };

  it('starts an update with the token as clientRequestToken', async () => {
    handler = (req, res) => json(res, 200, { update: { id: 'upd-1', status: 'InProgress', type: 'VersionUpdate' } });
    const ng = nodeGroups();
    const id = await ng.startVersionUpdate(ref, { version: '1.31', force: false, token: 'run-42' });
    expect(id).toBe('upd-1');
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/clusters/prod/node-groups/apps/update-version');
    expect(JSON.parse(seen[0].body)).toEqual({ version: '1.31', force: false, clientRequestToken: 'run-42' });
    ng.destroy();
  });

  it("turns EKS's refusals into UserErrors", async () => {
    handler = (_req, res) =>
      json(res, 409, { message: 'Nodegroup apps is currently being updated' }, 'ResourceInUseException');
    const ng = nodeGroups();
    const err = await ng.startVersionUpdate(ref, { releaseVersion: '1.31.2-20240701', force: true, token: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('EKS refused to update prod/apps: Nodegroup apps is currently being updated');

    handler = (_req, res) => json(res, 404, { message: 'No node group found for name: apps.' }, 'ResourceNotFoundException');
    await expect(ng.startVersionUpdate(ref, { force: false, token: 't' })).rejects.toThrow(
      new UserError('Node group apps not found in cluster prod'),
    );
    ng.destroy();
  });

  it('describes an update with its errors', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        update: {
          id: 'upd-1',
          status: 'Failed',
          type: 'VersionUpdate',
          errors: [{ errorCode: 'PodEvictionFailure', errorMessage: 'Reached max retries while trying to evict pods', resourceIds: ['ip-10-0-1-2'] }],
        },
      });
    const ng = nodeGroups();
    expect(await ng.describeUpdate(ref, 'upd-1')).toEqual({
      id: 'upd-1',
      status: 'Failed',
      errors: [{ code: 'PodEvictionFailure', message: 'Reached max retries while trying to evict pods', resourceIds: ['ip-10-0-1-2'] }],
    });
    expect(seen[0].method).toBe('GET');
    expect(seen[0].url).toBe('/clusters/prod/updates/upd-1?nodegroupName=apps');
    ng.destroy();
  });
});
