import type { Facts } from '../facts.js';
import { blocker, type Finding, okay, unknownFact } from '../finding.js';
import type { DeployPlan } from '../plan.js';

/** The roles the deploy adds must fit the account's IAM roles quota. */
export function checkIamRoles(plan: DeployPlan, facts: Facts): Finding[] {
  const observed = facts.iamRoles;
  if (observed.kind !== 'ok') return [unknownFact('iam', 'read the IAM account summary', observed)];
  const existing = new Set<string>();
  for (const [stackName, stack] of Object.entries(facts.stacks)) {
    if (stack.kind !== 'ok' || stack.value === null || stack.value.resources.kind !== 'ok') continue;
    for (const r of stack.value.resources.value) {
      if (r.type === 'AWS::IAM::Role' && r.status !== 'DELETE_COMPLETE')
        existing.add(`${stackName}/${r.logicalId}`);
    }
  }
  const added = plan.roles.filter((r) => !existing.has(`${r.stackName}/${r.logicalId}`)).length;
  const { roles, quota } = observed.value;
  if (roles + added > quota) {
    return [
      blocker(
        'iam',
        `the deploy adds ${added} IAM roles; the account has ${roles} of its ${quota}`,
        'delete unused roles, or ask AWS for a higher quota (Service Quotas > IAM > "Roles per account")',
      ),
    ];
  }
  return [okay('iam', `the deploy adds ${added} IAM roles: ${roles + added} of ${quota} after it`)];
}
