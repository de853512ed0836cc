import { unreservedConcurrencyFloor } from '../../limits/measure.js';
import type { Facts } from '../facts.js';
import { blocker, type Finding, okay, unknownFact, warn } from '../finding.js';
import type { DeployPlan } from '../plan.js';

/**
 * The reservations the templates make must leave Lambda's 100 unreserved executions. What riskloop's own
 * functions already reserve is given back by the same deploy, so it counts once.
 */
export function checkConcurrency(plan: DeployPlan, facts: Facts): Finding[] {
  const account = facts.lambdaAccount;
  if (account.kind !== 'ok')
    return [unknownFact('concurrency', 'read the Lambda concurrency quota', account)];
  const { quota, unreserved } = account.value;
  const needed = plan.reservations.reduce((sum, r) => sum + r.reserved, 0);
  const findings: Finding[] = [];
  let held = 0;
  for (const [name, observed] of Object.entries(facts.functionReservations)) {
    if (observed.kind === 'ok') held += observed.value ?? 0;
    else
      findings.push(
        unknownFact('concurrency', `read the reservation of ${name} (counted as none)`, observed),
      );
  }
  const after = unreserved + held - needed;
  const ours = held > 0 ? ` (${held} of them already held by riskloop's functions)` : '';
  if (after < unreservedConcurrencyFloor) {
    findings.unshift(
      blocker(
        'concurrency',
        `the stacks reserve ${needed} concurrent executions${ours}; the account's quota is ${quota} with ` +
          `${unreserved} unreserved, so ${after} would stay unreserved, below the ${unreservedConcurrencyFloor} ` +
          'Lambda keeps',
        'ask AWS for a higher quota (Service Quotas > AWS Lambda > "Concurrent executions") and pass it with ' +
          '-c lambdaConcurrencyQuota=<new quota>, or deploy with -c reservedConcurrency=false',
      ),
    );
  } else {
    findings.unshift(
      okay(
        'concurrency',
        `the stacks reserve ${needed} of ${quota} concurrent executions${ours}; ${after} stay unreserved`,
      ),
    );
  }
  if (quota !== plan.config.lambdaConcurrencyQuota) {
    findings.push(
      warn(
        'concurrency',
        `the account's concurrency quota is ${quota}, the synth assumed lambdaConcurrencyQuota=${plan.config.lambdaConcurrencyQuota}`,
        `pass -c lambdaConcurrencyQuota=${quota} to cdk deploy (and to preflight) so the synth checks the real quota`,
      ),
    );
  }
  return findings;
}
