import type { Synthesis } from '../cdk/synthesize.js';
import type { CfnTemplate } from '../limits/template.js';
import { buildPlan, type DeployPlan } from './plan.js';

/** The deploy plan of an offline synthesis (infra/cdk/synthesize.ts): its stacks, in the assembly's order. */
export function planFromSynthesis({ assembly, built }: Synthesis): DeployPlan {
  const { config } = built;
  return buildPlan(
    assembly.stacks.map((stack) => ({
      stackName: stack.stackName,
      template: stack.template as CfnTemplate,
      requiresBootstrapStackVersion: stack.requiresBootstrapStackVersion,
      bootstrapStackVersionSsmParameter: stack.bootstrapStackVersionSsmParameter,
      terminationProtection: stack.terminationProtection,
    })),
    {
      stage: config.stage,
      waf: config.waf,
      apiGatewayCloudWatchRole: config.apiGatewayCloudWatchRole,
      reservedConcurrency: config.reservedConcurrency,
      lambdaConcurrencyQuota: config.lambdaConcurrencyQuota,
    },
    { dataStack: built.data.stackName, accountStack: built.account?.stackName },
  );
}
