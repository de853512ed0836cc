/**
 * `npm run limits`: the CloudFormation, IAM and Lambda limits figures of the synthesized stacks, resolved
 * at their worst-case lengths (infra/limits/). `-- --write` puts the table into docs/deploy.md; a test
 * fails when the committed table is stale or a figure passes 85 % of its limit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './cdk/bundling.js';
import {
  headroom,
  limitsSection,
  measureConfigurations,
  share,
  withLimitsTable,
  worstFigures,
} from './limits/report.js';

export const limitsDocument = 'docs/deploy.md';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = measureConfigurations();
  const table = limitsSection(figures);
  process.stdout.write(`${table}\n`);
  if (process.argv.includes('--write')) {
    const file = join(repoRoot, limitsDocument);
    writeFileSync(file, withLimitsTable(readFileSync(file, 'utf8'), table));
    process.stdout.write(`wrote ${limitsDocument}\n`);
  }
  const over = worstFigures(figures).filter((f) => share(f) > headroom);
  if (over.length > 0) {
    process.stderr.write(`${over.length} figure(s) above ${headroom * 100} % of their limit\n`);
    process.exitCode = 1;
  }
}
