import { type App, Tags } from 'aws-cdk-lib';
import { ApiGatewayAccountStack, apiGatewayAccountStackName } from './account-stack.js';
import { ApiStack } from './api-stack.js';
import { names, readConfig } from './config.js';
import { DataStack } from './data-stack.js';
import { addCompliancePacks } from './nag.js';
import { ServiceStack } from './service-stack.js';

export interface BuildOptions {
  /** Register the cdk-nag packs (AwsSolutions, HIPAA Security, NIST 800-53 R5). Default: true. */
  compliancePacks?: boolean;
  /**
   * With the packs, also run AWS Control Tower's proactive controls (cfn-guard, about 25 s per synth).
   * Default: true. Tests that only read templates switch it off; test/infra/control-tower.test.ts runs them.
   */
  controlTower?: boolean;
}

/**
 * Builds riskloop's stacks into `app`: the same function serves `cdk synth`/`cdk deploy`
 * (infra/app.ts) and the tests, so the tests check what gets deployed.
 */
export function buildRiskloop(app: App, options: BuildOptions = {}) {
  const config = readConfig(app);
  // Environment-agnostic unless the CLI knows the target account (cdk deploy with credentials).
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const data = new DataStack(app, names.stack(config.stage, 'data'), {
    config,
    env,
    description: `riskloop ${config.stage}: KMS keys, DynamoDB tables, event bus (retained, termination-protected)`,
  });
  const service = new ServiceStack(app, names.stack(config.stage, 'service'), {
    config,
    env,
    description: `riskloop ${config.stage}: functions, queues, schedules, alarms`,
  });
  const api = new ApiStack(app, names.stack(config.stage, 'api'), {
    config,
    env,
    description: `riskloop ${config.stage}: REST API, authoriser, WAF`,
  });
  // No export links the stacks (data-references.ts); these only order `cdk deploy --all`.
  service.addStackDependency(data, 'reads the keys, tables and bus');
  api.addStackDependency(service, 'invokes the functions');
  const account = config.apiGatewayCloudWatchRole
    ? new ApiGatewayAccountStack(app, apiGatewayAccountStackName, {
        env,
        description:
          'riskloop: the API Gateway logging role of this account and region (shared by every stage)',
      })
    : undefined;
  if (account) api.addStackDependency(account, 'logs through the account logging role');
  Tags.of(app).add('project', 'riskloop');
  for (const stack of [data, service, api]) Tags.of(stack).add('riskloop:stage', config.stage);
  if (options.compliancePacks !== false) addCompliancePacks(app, { controlTower: options.controlTower });
  return { config, data, service, api, account };
}
