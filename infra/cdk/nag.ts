import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack, NIST80053R5Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { cfnResourceOf } from './cfn-resource.js';
import { ControlTowerControls } from './control-tower.js';

/** The three rule packs a compliance reviewer runs: they run on every synth, in `npm run synth` and in tests. */
export function compliancePacks(app: App): NagPack[] {
  return [
    // Writes every acknowledgement into the template's Metadata (cdk_nag.rules_to_suppress): the
    // justification travels with the deployed template, where a reviewer can read it.
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    new HIPAASecurityChecks(app),
    new NIST80053R5Checks(app),
  ];
}

/**
 * Registers the cdk-nag packs and, unless `controlTower` is false, AWS Control Tower's proactive controls
 * (control-tower.ts): `cdk synth` and `cdk deploy` fail on any finding of either that is not acknowledged or
 * suppressed on its resource.
 */
export function addCompliancePacks(app: App, options: { controlTower?: boolean } = {}): void {
  Validations.of(app).addPlugins(...compliancePacks(app));
  if (options.controlTower !== false) Validations.of(app).addPlugins(new ControlTowerControls());
}

/** Rule ids of the same check in each pack that has it, e.g. `inPacks('LambdaDLQ', 'hipaa', 'nist')`. */
export function inPacks(rule: string, ...packs: ('aws' | 'hipaa' | 'nist')[]): string[] {
  const prefix = { aws: 'AwsSolutions', hipaa: 'HIPAA.Security', nist: 'NIST.800.53.R5' } as const;
  return packs.map((p) => `${prefix[p]}-${rule}`);
}

/**
 * Acknowledges findings on one resource (the construct's CloudFormation resource), never on an app, stage or
 * stack: a reviewer must see which resource an exception applies to, and a new resource must not
 * inherit an old exception. Each reason states why the rule does not fit, specifically.
 */
export function acknowledge(scope: IConstruct, ids: string | readonly string[], reason: string): void {
  if (reason.trim().length < 40) throw new Error(`Acknowledgement reason too short on ${scope.node.path}`);
  const target = cfnResourceOf(scope);
  for (const id of typeof ids === 'string' ? [ids] : ids) Validations.of(target).acknowledge({ id, reason });
}
