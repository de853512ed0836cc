import type { Facts } from '../facts.js';
import { blocker, type Finding, okay, unknownFact, warn } from '../finding.js';
import type { DeployPlan } from '../plan.js';

/**
 * API Gateway writes stage logs through one role per account and region. A stage with logging on cannot be
 * created without it, and riskloop must not replace one a landing zone set (docs/deploy.md).
 */
export function checkApiGatewayLogging(plan: DeployPlan, facts: Facts): Finding[] {
  const observed = facts.apiGatewayRoleArn;
  if (observed.kind !== 'ok')
    return [unknownFact('api-logging', "read API Gateway's account settings", observed)];
  const arn = observed.value;
  const createsRole = plan.config.apiGatewayCloudWatchRole;
  if (arn === null && !createsRole) {
    return [
      blocker(
        'api-logging',
        'the account has no API Gateway CloudWatch role, which stage logging needs',
        'deploy with -c apiGatewayCloudWatchRole=true (adds the stack riskloop-apigateway-logging, which sets it ' +
          'for this account and region and keeps it on destroy)',
      ),
    ];
  }
  if (arn === null) {
    return [okay('api-logging', `no API Gateway CloudWatch role yet: ${plan.accountStack} will set one`)];
  }
  if (!createsRole) return [okay('api-logging', `API Gateway logs through the account's role ${arn}`)];
  if (managedRoleNames(plan, facts).includes(roleName(arn))) {
    return [okay('api-logging', `API Gateway logs through ${arn}, which ${plan.accountStack} manages`)];
  }
  return [
    warn(
      'api-logging',
      `deploying with apiGatewayCloudWatchRole=true would replace the account's existing role ${arn} ` +
        '(landing zones set their own)',
      'deploy with -c apiGatewayCloudWatchRole=false: the existing role serves riskloop too',
    ),
  ];
}

/** The role names the account stack holds, when it is deployed. */
function managedRoleNames(plan: DeployPlan, facts: Facts): string[] {
  const stack = plan.accountStack ? facts.stacks[plan.accountStack] : undefined;
  if (stack?.kind !== 'ok' || stack.value === null || stack.value.resources.kind !== 'ok') return [];
  return stack.value.resources.value
    .filter((r) => r.type === 'AWS::IAM::Role' && r.status !== 'DELETE_COMPLETE')
    .map((r) => r.physicalId);
}

/** arn:aws:iam::123456789012:role/some/path/Name -> Name */
const roleName = (arn: string) => arn.split('/').pop() ?? arn;
