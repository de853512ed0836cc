import { writeFileSync } from 'node:fs';
import type { AwsClients } from './aws-clients.js';
import { type ImportMapping, importMappingText } from './checks/import-mapping.js';
import { runChecks } from './checks/index.js';
import type { Finding } from './finding.js';
import { gatherFacts } from './gather.js';
import type { DeployPlan } from './plan.js';
import { exitCode, renderReport } from './report.js';

export interface PreflightOptions {
  /** Where the import mapping goes when the data stack's keys must be imported. */
  importMappingFile: string;
  /** The `-c key=value` arguments given, repeated in the commands the report prints. */
  contextArgs?: readonly string[];
}

export interface PreflightResult {
  findings: Finding[];
  report: string;
  exitCode: 0 | 1;
  importMapping: ImportMapping | undefined;
}

/** Gathers the facts for `plan` through `clients` (read-only calls), checks them and renders the report. */
export async function runPreflight(
  plan: DeployPlan,
  clients: AwsClients,
  options: PreflightOptions,
): Promise<PreflightResult> {
  const gathered = await gatherFacts(clients, plan);
  const { findings, importMapping } = runChecks(plan, gathered, options);
  const identity = gathered.kind === 'complete' ? gathered.facts.identity : gathered.identity;
  const report = renderReport(
    { stage: plan.config.stage, region: clients.region, account: identity.account, callerArn: identity.arn },
    findings,
  );
  return { findings, report, exitCode: exitCode(findings), importMapping };
}

/** Writes the mapping file `cdk import --resource-mapping` reads (a local file: nothing is written to AWS). */
export function writeImportMapping(file: string, mapping: ImportMapping): void {
  writeFileSync(file, importMappingText(mapping));
}
