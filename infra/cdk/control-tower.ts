import { readFileSync } from 'node:fs';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { cfnResourceOf } from './cfn-resource.js';

/**
 * The Control Tower proactive-control rules riskloop's templates meet only in ways the rule cannot see, or
 * that do not apply to one resource: each is suppressed on that resource alone, with its reason
 * (docs/deploy.md, "Control Tower proactive controls"). Named as cfn-guard names the rule.
 */
export type SuppressibleControl =
  | 'cloudwatch_log_group_encrypted_check'
  | 'cloudwatch_log_group_retention_period_check'
  | 'sqs_queue_encrypted_check'
  | 'sqs_dlq_check'
  | 'lambda_inside_vpc_check'
  | 'lambda_function_public_access_prohibited_check';

/**
 * What a suppression writes into the resource's template `Metadata`: `SuppressedRules` is the key cfn-guard's
 * rule-suppression convention uses; `Reasons` carries the justification beside it, for a reviewer reading
 * the deployed template (the rule format has no field for one).
 */
export interface GuardMetadata {
  SuppressedRules: string[];
  Reasons: Record<string, string>;
}

/**
 * Suppresses one Control Tower rule on one CloudFormation resource, recording why in the template. Neither
 * cfn-guard 3.1 nor the Control Tower rule files read `Metadata.guard` themselves: `ControlTowerControls`
 * below honours it, and only with a reason.
 */
export function suppressControl(scope: IConstruct, rule: SuppressibleControl, reason: string): void {
  const resource = cfnResourceOf(scope);
  if (reason.trim().length < 80) throw new Error(`Suppression reason too short on ${scope.node.path}`);
  const metadata = resource.cfnOptions.metadata ?? {};
  const guard = (metadata.guard as GuardMetadata | undefined) ?? { SuppressedRules: [], Reasons: {} };
  resource.cfnOptions.metadata = {
    ...metadata,
    guard: {
      SuppressedRules: [...new Set([...guard.SuppressedRules, rule])],
      Reasons: { ...guard.Reasons, [rule]: reason },
    },
  };
}

/** One finding of one rule on one resource. `suppressedBecause` is set when the resource suppresses it. */
export interface ControlFinding {
  rule: string;
  control: string;
  templatePath: string;
  logicalId: string;
  suppressedBecause?: string;
}

interface Template {
  Resources?: Record<string, { Metadata?: { guard?: Partial<GuardMetadata> } }>;
}

/** The reason a resource gives for suppressing `rule`, if it does (a suppression without reason counts for nothing). */
function suppression(template: Template, logicalId: string, rule: string): string | undefined {
  const guard = template.Resources?.[logicalId]?.Metadata?.guard;
  const reason = guard?.Reasons?.[rule];
  return guard?.SuppressedRules?.includes(rule) && reason ? reason : undefined;
}

function templateReader(): (path: string) => Template {
  const cache = new Map<string, Template>();
  return (path) => {
    let template = cache.get(path);
    if (!template) {
      template = JSON.parse(readFileSync(path, 'utf8')) as Template;
      cache.set(path, template);
    }
    return template;
  };
}

/** The control id (e.g. `CT.KMS.PR.3`) a violation's description starts with. */
const controlOf = (violation: PolicyViolation) =>
  /\[(CT\.[A-Z0-9.]+)\]/.exec(violation.description)?.[1] ?? '';

/**
 * AWS Control Tower's proactive controls (the cfn-guard rules shipped by `@cdklabs/cdk-validator-cfnguard`) as
 * a CDK validation plugin: a synth fails on any finding its resource does not suppress with a reason. A bank's
 * landing zone runs the same controls before anything deploys. cfn-guard takes about 25 s over riskloop's
 * templates on two cores.
 */
export class ControlTowerControls implements IPolicyValidationPlugin {
  readonly name = 'control-tower-proactive-controls';
  readonly version: string | undefined;
  readonly ruleIds: string[] | undefined;
  private readonly guard = new CfnGuardValidator();

  constructor() {
    this.version = this.guard.version;
    this.ruleIds = this.guard.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const read = templateReader();
    const violations = this.guard
      .validate(context)
      .violations.map((violation) => ({
        ...violation,
        violatingResources: violation.violatingResources.filter(
          (r) => !suppression(read(r.templatePath), r.resourceLogicalId, violation.ruleName),
        ),
      }))
      .filter((violation) => violation.violatingResources.length > 0);
    return { success: violations.length === 0, violations };
  }

  /** Every finding on these templates, suppressed ones included (with their reason): for tests and reviews. */
  findings(templatePaths: string[]): ControlFinding[] {
    const read = templateReader();
    const report = this.guard.validate({ templatePaths } as IPolicyValidationContext);
    return report.violations.flatMap((violation) =>
      violation.violatingResources.map((r) => {
        const reason = suppression(read(r.templatePath), r.resourceLogicalId, violation.ruleName);
        return {
          rule: violation.ruleName,
          control: controlOf(violation),
          templatePath: r.templatePath,
          // cfn-guard names no resource for some findings: reported as such, never suppressible.
          logicalId: r.resourceLogicalId ?? '(none)',
          ...(reason ? { suppressedBecause: reason } : {}),
        };
      }),
    );
  }
}

/**
 * A log group or queue encrypted with the data stack's storage key, which this stack reads by weak reference: the
 * encryption rules accept only a literal key ARN or a Ref/GetAtt to a key in the same template.
 */
export function suppressStorageKeyReference(
  scope: IConstruct,
  rule: 'cloudwatch_log_group_encrypted_check' | 'sqs_queue_encrypted_check',
): void {
  suppressControl(
    scope,
    rule,
    'Encrypted at rest with the storage key of the data stack: its ARN is read with Fn::GetStackOutput when this ' +
      'stack deploys (no export couples the stacks), a value the rule cannot resolve. ' +
      'test/infra/control-tower.test.ts checks the key is set.',
  );
}
