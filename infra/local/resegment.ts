/**
 * `npm run resegment -- [--older-than-days N]`: starts a re-segmentation run on the running local
 * system (the same function EventBridge triggers daily) and shows its progress until every
 * enqueued customer is done or has finally failed.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRunStore } from '../../shared/adapters/dynamo-run-store.js';
import { runFinished } from '../../shared/domain/segmentation/runs.js';
import { LocalLambdas } from './lambda.js';
import { localCredentials, localRegion } from './provision.js';
import { attachToRunningSystem, repoRoot } from './running.js';

const { values } = parseArgs({
  options: { 'older-than-days': { type: 'string' }, timeout: { type: 'string' } },
});
const olderThanDays = values['older-than-days'] === undefined ? undefined : Number(values['older-than-days']);
if (olderThanDays !== undefined && !(Number.isInteger(olderThanDays) && olderThanDays >= 0)) {
  process.stderr.write('--older-than-days must be a whole number of days\n');
  process.exit(2);
}
const timeoutMs = Number(values.timeout ?? 600) * 1000;

const state = attachToRunningSystem();
const { runId, enqueued } = (await new LocalLambdas(repoRoot, state.stage).invoke('resegmentScheduler', {
  source: 'riskloop.cli',
  ...(olderThanDays === undefined ? {} : { filter: { olderThanDays } }),
})) as { runId: string; enqueued: number };

const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: localRegion,
    credentials: localCredentials,
    endpoint: state.endpoints.dynamodb,
  }),
);
const runs = new DynamoRunStore(doc, state.env.TABLE_RUNS as string);
const bar = (done: number, failed: number, total: number) => {
  const width = 30;
  const share = total === 0 ? 1 : (done + failed) / total;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(share * 100)}%  ${done + failed}/${total}  (${failed} failed)`;
};

const deadline = Date.now() + timeoutMs;
for (;;) {
  const run = await runs.get(runId);
  if (run) process.stderr.write(`\r${runId}  ${bar(run.done, run.failed, run.enqueued)}`);
  if (run && runFinished(run)) {
    process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify({ runId, enqueued, done: run.done, failed: run.failed })}\n`);
    process.exit(run.failed > 0 ? 1 : 0);
  }
  if (Date.now() > deadline) {
    process.stderr.write(
      `\nstill running after ${timeoutMs / 1000} s; the run continues in the background\n`,
    );
    process.exit(3);
  }
  await new Promise((r) => setTimeout(r, 250));
}
