/**
 * `npm run redrive [-- --queue segmentation]`: moves the messages of each queue's dead-letter queue
 * (`<queue>-dlq`) back to the queue on the running local system, once the fault that sent them
 * there has cleared. On AWS the same is `aws sqs start-message-move-task` (see docs/resilience.md).
 */
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { envNames, type QueueName, queues } from '../manifest.js';
import { redriveDlq } from './dlq-redrive.js';
import { dlqUrlOf, localCredentials, localRegion } from './provision.js';
import { attachToRunningSystem } from './running.js';

const { values } = parseArgs({ options: { queue: { type: 'string' } } });
const names = Object.keys(queues) as QueueName[];
if (values.queue !== undefined && !names.includes(values.queue as QueueName)) {
  process.stderr.write(`--queue must be one of: ${names.join(', ')}\n`);
  process.exit(2);
}
const state = attachToRunningSystem();
const sqs = new SQSClient({
  region: localRegion,
  credentials: localCredentials,
  endpoint: state.endpoints.sqs,
  useQueueUrlAsEndpoint: false,
});
let failed = 0;
for (const name of values.queue === undefined ? names : [values.queue as QueueName]) {
  const queueUrl = state.env[envNames.queueUrl(name)];
  if (!queueUrl) throw new Error(`the running system has no queue ${name}`);
  const result = await redriveDlq(sqs, dlqUrlOf(queueUrl), queueUrl);
  failed += result.failed;
  process.stdout.write(`${JSON.stringify({ queue: name, ...result })}\n`);
}
sqs.destroy();
process.exit(failed > 0 ? 1 : 0);
