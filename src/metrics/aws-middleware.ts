// Counts every AWS SDK v3 call by service and operation, and those that failed (after the SDK's own
// retries) by error code: one middleware on each client's stack, so no call site can forget it.
import { metrics } from './registry.js';

interface MiddlewareStackLike {
  add(middleware: (next: (args: any) => Promise<any>, context: any) => (args: any) => Promise<any>, options: { step: 'initialize'; name: string; override?: boolean }): void;
}

/** "EKSClient" → "EKS"; "DescribeNodegroupCommand" → "DescribeNodegroup". */
const service = (clientName: unknown) => String(clientName ?? 'unknown').replace(/Client$/, '');
const operation = (commandName: unknown) => String(commandName ?? 'unknown').replace(/Command$/, '');

export function meterAwsClient<C extends { middlewareStack: MiddlewareStackLike }>(client: C): C {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const labels = { service: service(context.clientName), operation: operation(context.commandName) };
      metrics.awsCalls.inc(labels);
      try {
        return await next(args);
      } catch (err) {
        const e = err as { name?: string; Code?: string; code?: string };
        metrics.awsErrors.inc({ ...labels, code: e.Code ?? e.name ?? e.code ?? 'Error' });
        throw err;
      }
    },
    // initialize: once per call, around the SDK's retries (which sit in the finalize step).
    { step: 'initialize', name: 'mngbotMetrics', override: true },
  );
  return client;
}
