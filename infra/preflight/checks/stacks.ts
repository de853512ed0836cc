import type { Facts } from '../facts.js';
import { blocker, type Finding, okay, unknownFact, warn } from '../finding.js';
import type { DeployPlan } from '../plan.js';

/** Statuses a deploy updates from. */
const healthy = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/** Each stack must be absent (first deploy) or in a state CloudFormation updates from. */
export function checkStacks(plan: DeployPlan, facts: Facts): Finding[] {
  const findings: Finding[] = [];
  for (const { stackName } of plan.stacks) {
    const observed = facts.stacks[stackName];
    if (!observed) continue;
    if (observed.kind !== 'ok') {
      findings.push(unknownFact('stacks', `describe ${stackName}`, observed));
      continue;
    }
    if (observed.value === null) {
      findings.push(okay('stacks', `${stackName}: not deployed yet, the deploy creates it`));
      continue;
    }
    const { status, terminationProtection } = observed.value;
    findings.push(stackStatus(stackName, status, terminationProtection));
    if (stackName === plan.dataStack && !terminationProtection && healthy.has(status)) {
      findings.push(
        warn(
          'stacks',
          `${stackName} holds the keys and tables but has no termination protection`,
          `aws cloudformation update-termination-protection --enable-termination-protection --stack-name ${stackName}`,
        ),
      );
    }
  }
  return findings;
}

function stackStatus(stackName: string, status: string, protectedStack: boolean): Finding {
  const unprotect = protectedStack
    ? `aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${stackName}, then `
    : '';
  const deleteStack = `${unprotect}aws cloudformation delete-stack --stack-name ${stackName}`;
  if (healthy.has(status)) return okay('stacks', `${stackName}: ${status}, the deploy updates it`);
  if (status === 'REVIEW_IN_PROGRESS') {
    // A change set that was created and never executed: cdk deploy treats the stack as new and goes on.
    return okay('stacks', `${stackName}: REVIEW_IN_PROGRESS (never executed), the deploy creates it`);
  }
  if (status === 'ROLLBACK_COMPLETE') {
    return blocker(
      'stacks',
      `${stackName}: ROLLBACK_COMPLETE, a failed first create that CloudFormation refuses to update`,
      `delete it (${deleteStack}), then deploy: the resources it retained are adopted by --import-existing-resources`,
    );
  }
  if (status.endsWith('_IN_PROGRESS')) {
    return blocker(
      'stacks',
      `${stackName}: ${status}, another operation is running`,
      `wait until it ends (aws cloudformation describe-stacks --stack-name ${stackName}), then re-run preflight`,
    );
  }
  if (status === 'UPDATE_ROLLBACK_FAILED' || status === 'IMPORT_ROLLBACK_FAILED') {
    return blocker(
      'stacks',
      `${stackName}: ${status}, the rollback of the last change did not finish`,
      `fix what the stack events name, then aws cloudformation continue-update-rollback --stack-name ${stackName} ` +
        '(--resources-to-skip for resources that cannot roll back)',
    );
  }
  if (status === 'ROLLBACK_FAILED' || status === 'DELETE_FAILED') {
    return blocker(
      'stacks',
      `${stackName}: ${status}, CloudFormation could not remove what it created`,
      `${deleteStack} (add --retain-resources <logical ids> for those the stack events show failing), then deploy`,
    );
  }
  if (status.endsWith('_FAILED')) {
    return blocker(
      'stacks',
      `${stackName}: ${status}`,
      `roll it back (aws cloudformation rollback-stack --stack-name ${stackName}) or delete it (${deleteStack}), then deploy`,
    );
  }
  return warn(
    'stacks',
    `${stackName}: unexpected status ${status}`,
    'check the stack events before deploying',
  );
}
