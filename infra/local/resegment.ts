/**
 * `npm run resegment -- [--older-than-days N] [--scope all|due]`: starts a re-segmentation run on
 * the running local system (the same function EventBridge triggers daily) and shows its progress
 * until every scan shard has reported and every enqueued customer is done or has finally failed.
 * By hand the run covers everyone; `--scope due` only the decisions the daily run would re-evaluate.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoRunStore } from '../../shared/adapters/dynamo-run-store.js';
import type { ResegmentationRun } from '../../shared/domain/ports.js';
import { runFinished } from '../../shared/domain/segmentation/runs.js';
import { LocalLambdas } from './lambda.js';
import { localCredentials, localRegion } from './provision.js';
import { attachToRunningSystem, repoRoot } from './running.js';

const { values } = parseArgs({
  options: { 'older-than-days': { type: 'string' }, scope: { type: 'string' }, timeout: { type: 'string' } },
});
const olderThanDays = values['older-than-days'] === undefined ? undefined : Number(values['older-than-days']);
if (olderThanDays !== undefined && !(Number.isInteger(olderThanDays) && olderThanDays >= 0)) {
  process.stderr.write('--older-than-days must be a whole number of days\n');
  process.exit(2);
}
const scope = values.scope;
if (scope !== undefined && scope !== 'all' && scope !== 'due') {
  process.stderr.write('--scope must be all or due\n');
  process.exit(2);
}
const timeoutMs = Number(values.timeout ?? 600) * 1000;

const state = attachToRunningSystem();
const { runId } = (await new LocalLambdas(repoRoot, state.stage).invoke('resegmentScheduler', {
  source: 'riskloop.cli',
  filter: { ...(olderThanDays === undefined ? {} : { olderThanDays }), ...(scope ? { scope } : {}) },
})) as { runId: string; shards: number };

const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: localRegion,
    credentials: localCredentials,
    endpoint: state.endpoints.dynamodb,
  }),
);
const runs = new DynamoRunStore(doc, state.env.TABLE_RUNS as string);
const bar = (run: ResegmentationRun) => {
  const width = 30;
  const { done, failed, enqueued: total } = run;
  // Until every shard has reported, the total is still growing: never show 100 % before the end.
  const share = runFinished(run) ? 1 : total === 0 ? 0 : Math.min(0.99, (done + failed) / total);
  const filled = Math.round(share * width);
  const shards = run.shards === undefined ? '' : `  shards ${run.shardsReported ?? 0}/${run.shards}`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(share * 100)}%  ${done + failed}/${total}  (${failed} failed)${shards}`;
};

const deadline = Date.now() + timeoutMs;
for (;;) {
  const run = await runs.get(runId);
  if (run) process.stderr.write(`\r${runId}  ${bar(run)}`);
  if (run && runFinished(run)) {
    process.stderr.write('\n');
    const summary = {
      runId,
      enqueued: run.enqueued,
      upToDate: run.upToDate ?? 0,
      done: run.done,
      failed: run.failed,
      shards: run.shards,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
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
