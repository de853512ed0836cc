import { type App, Tags } from 'aws-cdk-lib';
import { readConfig } from './config.js';
import { DataStack } from './data-stack.js';
import { addCompliancePacks } from './nag.js';
import { ServiceStack } from './service-stack.js';

export interface BuildOptions {
  /** Register the cdk-nag packs (AwsSolutions, HIPAA Security, NIST 800-53 R5). Default: true. */
  compliancePacks?: boolean;
}

/**
 * Builds riskloop's stacks into `app`: the same function serves `cdk synth`/`cdk deploy`
 * (infra/app.ts) and the tests, so the tests check what gets deployed.
 */
export function buildRiskloop(app: App, options: BuildOptions = {}) {
  const config = readConfig(app);
  // Environment-agnostic unless the CLI knows the target account (cdk deploy with credentials).
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const data = new DataStack(app, `riskloop-${config.stage}-data`, {
    config,
    env,
    description: `riskloop ${config.stage}: KMS keys and DynamoDB tables (retained, termination-protected)`,
  });
  const service = new ServiceStack(app, `riskloop-${config.stage}-service`, {
    config,
    data,
    env,
    description: `riskloop ${config.stage}: functions, queues, API, schedules, alarms`,
  });
  Tags.of(app).add('project', 'riskloop');
  Tags.of(app).add('riskloop:stage', config.stage);
  if (options.compliancePacks !== false) addCompliancePacks(app);
  return { config, data, service };
}
