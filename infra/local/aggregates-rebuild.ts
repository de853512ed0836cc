/**
 * `npm run aggregates:rebuild`: recounts the maintained aggregates (customers per segment, reason
 * code and score, outcomes, incidents per month, cases) from the source tables and replaces them,
 * after giving assignments from before the sharded segment index their index key.
 * Against the running local system by default; with TABLE_AGGREGATES, TABLE_ASSIGNMENTS,
 * TABLE_OUTCOMES and TABLE_CASES set (and AWS credentials), against those tables. The counts are
 * maintained by every write, so this is for repairs (docs/insights.md says when): run it while
 * nothing writes, since a write between the recount and the replacement would be lost.
 */
import * as adapters from '../../shared/adapters/compose.js';
import { rebuildAggregates } from '../../shared/domain/insights/aggregates.js';
import { attachToRunningSystem } from './running.js';

const named = ['TABLE_AGGREGATES', 'TABLE_ASSIGNMENTS', 'TABLE_OUTCOMES', 'TABLE_CASES'];
const settings = named.every((n) => process.env[n])
  ? (process.env as Record<string, string>)
  : attachToRunningSystem().env;

// Assignments written before the sharded segment index get its key (an upgrade's one-off).
const keyed = await adapters.assignments(settings).backfillSegmentShards();
if (keyed > 0) process.stderr.write(`  ${keyed} assignments given their segment index key\n`);

let last = 0;
const result = await rebuildAggregates({
  sources: adapters.aggregateSources(settings),
  target: adapters.aggregates(settings),
  progress: (table, rows) => {
    if (Date.now() - last < 1000) return;
    last = Date.now();
    process.stderr.write(`  ${table}: ${rows} rows counted\n`);
  },
});
process.stderr.write(
  `✓ aggregates rebuilt from ${result.assignments} assignments, ${result.outcomes} outcomes and ${result.cases} cases: ${result.items} aggregate(s) written, ${result.removed} shard item(s) removed\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
