// mngbot_aws_calls_total and mngbot_aws_errors_total, counted by the middleware on every SDK client:
// one call however many attempts the SDK makes, and an error only when its retries are spent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EksNodeGroups } from '../../src/aws/eks-node-groups.js';
import { metrics, registry } from '../../src/metrics/registry.js';
import { CREDENTIALS, REGION } from './moto.js';

const ASG_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
let server: Server;
let endpoint: string;
let throttles = 0;

beforeAll(async () => {
  // The process's registry, which earlier files in this worker may have counted into.
  registry.resetMetrics();
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(throttles > 0 ? 400 : 200, { 'content-type': 'text/xml' });
      if (throttles-- > 0) {
        res.end(`<ErrorResponse xmlns="${ASG_NS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
      } else {
        res.end(`<UpdateAutoScalingGroupResponse xmlns="${ASG_NS}"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></UpdateAutoScalingGroupResponse>`);
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const count = async (c: typeof metrics.awsCalls | typeof metrics.awsErrors, labels: Record<string, string>) =>
  (await c.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((a, v) => a + v.value, 0);

it('counts calls by service and operation, and failed calls by error code', async () => {
  const ng = new EksNodeGroups({ endpoint, credentials: CREDENTIALS, maxAttempts: 2, clusters: { prod: { region: REGION, selfManaged: { workers: { asgName: 'workers-asg', amiType: 'CUSTOM' } } } } });
  const ref = { cluster: 'prod', nodegroup: 'workers' };
  const op = { service: 'AutoScaling', operation: 'UpdateAutoScalingGroup' };
  throttles = 1; // retried by the SDK, then through: one call, no error
  await ng.setSizes(ref, { desired: 3 });
  expect(await count(metrics.awsCalls, op)).toBe(1);
  expect(await count(metrics.awsErrors, op)).toBe(0);
  throttles = 10; // both attempts throttled: one call, one error
  await expect(ng.setSizes(ref, { desired: 4 })).rejects.toThrow(/Throttling/);
  expect(await count(metrics.awsCalls, op)).toBe(2);
  expect(await count(metrics.awsErrors, { ...op, code: 'Throttling' })).toBe(1);
  ng.destroy();
});
