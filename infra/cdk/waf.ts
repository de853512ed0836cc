import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { type DeployConfig, names } from './config.js';
import { riskloopLogGroup } from './log-groups.js';

export interface ApiFirewallProps {
  config: DeployConfig;
  api: RestApi;
  storageKey: IKey;
}

/**
 * WAFv2 web ACL on the API stage: a per-IP rate limit and three AWS managed rule groups, logged
 * (Authorization header redacted) to a KMS-encrypted log group.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const { config } = props;
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `riskloop-${config.stage}-${name}`,
    });
    const managed = (
      priority: number,
      name: string,
      excludeToCount: string[] = [],
    ): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides: excludeToCount.length
            ? excludeToCount.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
            : undefined,
        },
      },
      visibilityConfig: metric(name),
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: names.resource(config.stage, 'api'),
      description: 'riskloop API: rate limit per IP and AWS managed rule groups',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric('web-acl'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: config.wafRateLimit,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: metric('rate-limit'),
        },
        managed(1, 'AWSManagedRulesAmazonIpReputationList'),
        // SizeRestrictions_BODY blocks bodies over 8 KB; ingestion batches are up to 1 MiB and their
        // size is enforced by each function's maxBodyBytes (413) and API Gateway's 10 MB cap.
        managed(2, 'AWSManagedRulesCommonRuleSet', ['SizeRestrictions_BODY']),
        managed(3, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });

    const association = new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    // The stage ARN is built from its name, which CloudFormation knows before the stage exists.
    association.node.addDependency(props.api.deploymentStage);

    const logs = riskloopLogGroup(this, 'Logs', {
      logGroupName: names.wafLogGroup(config.stage),
      retention: config.logRetentionDays,
      key: props.storageKey,
    });
    const logging = new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the trailing ":*" that LogGroup.logGroupArn carries.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logs.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // API keys must never reach a log.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
    logging.node.addDependency(logs);
  }
}
