import type { Facts } from '../facts.js';
import { blocker, type Finding, okay, unknownFact, warn } from '../finding.js';
import type { DeployPlan } from '../plan.js';

/** The CDK bootstrap stack must exist and be at least as new as the assembly requires. */
export function checkBootstrap(plan: DeployPlan, facts: Facts): Finding[] {
  const bootstrap = `npx cdk bootstrap aws://${facts.identity.account}/${facts.region}`;
  return Object.entries(facts.bootstrap).map(([parameter, observed]) => {
    const required = Math.max(
      0,
      ...plan.stacks.filter((s) => s.bootstrapParameter === parameter).map((s) => s.requiredBootstrapVersion),
    );
    if (observed.kind !== 'ok') return unknownFact('bootstrap', `read ${parameter}`, observed);
    const version = observed.value;
    if (version === null) {
      return blocker(
        'bootstrap',
        `${facts.region} is not bootstrapped for CDK (no parameter ${parameter})`,
        `run ${bootstrap}`,
      );
    }
    if (!Number.isFinite(version)) {
      return warn('bootstrap', `${parameter} does not hold a version number`, `re-run ${bootstrap}`);
    }
    if (version < required) {
      return blocker(
        'bootstrap',
        `bootstrap version ${version} is older than the ${required} the stacks require`,
        `re-run ${bootstrap} (it updates the bootstrap stack in place)`,
      );
    }
    return okay('bootstrap', `bootstrap version ${version} (the stacks require ${required} or newer)`);
  });
}
