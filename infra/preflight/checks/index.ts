import type { Gathered } from '../facts.js';
import { type Finding, okay } from '../finding.js';
import type { DeployPlan } from '../plan.js';
import { checkApiGatewayLogging } from './api-logging.js';
import { checkBootstrap } from './bootstrap.js';
import { checkConcurrency } from './concurrency.js';
import { checkIamRoles } from './iam.js';
import type { ImportMapping } from './import-mapping.js';
import { checkRegionServices, regionDisabledFindings } from './region.js';
import { checkResources, type ResourceOptions } from './resources.js';
import { checkStacks } from './stacks.js';

export interface Assessment {
  findings: Finding[];
  importMapping: ImportMapping | undefined;
}

/** Every check, in report order, over what was gathered. Pure: the same facts give the same report. */
export function runChecks(plan: DeployPlan, gathered: Gathered, options: ResourceOptions): Assessment {
  if (gathered.kind === 'region-disabled') {
    return {
      findings: [
        okay('identity', `account ${gathered.identity.account} as ${gathered.identity.arn}`),
        ...regionDisabledFindings(gathered.region, gathered.identity.account, gathered.message),
      ],
      importMapping: undefined,
    };
  }
  const { facts } = gathered;
  const resources = checkResources(plan, facts, options);
  return {
    findings: [
      okay('identity', `account ${facts.identity.account} as ${facts.identity.arn}`),
      ...checkRegionServices(plan, facts),
      ...checkBootstrap(plan, facts),
      ...checkConcurrency(plan, facts),
      ...checkApiGatewayLogging(plan, facts),
      ...checkStacks(plan, facts),
      ...resources.findings,
      ...checkIamRoles(plan, facts),
    ],
    importMapping: resources.importMapping,
  };
}
