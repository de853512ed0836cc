import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/** One per account and region, whatever the stage: the setting it holds is account-wide. */
export const apiGatewayAccountStackName = 'riskloop-apigateway-logging';

/**
 * The role API Gateway writes execution and access logs with, set on the account (`AWS::ApiGateway::Account`).
 * It is one setting per account and region, shared by every REST API there, so it is not a stage's: this
 * stack exists only with `-c apiGatewayCloudWatchRole=true`, for an account that has no role yet
 * (`npm run preflight` says which). Kept on destroy, so removing it never switches off other APIs' logs.
 */
export class ApiGatewayAccountStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const role = new Role(this, 'LoggingRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description:
        'API Gateway: writes execution and access logs of every REST API in this account and region',
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledge(
      role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'Account-level role API Gateway uses to write execution logs for every REST API in the region; AWS ' +
        'maintains this policy. Scoping it to one API would break logging of the others in the account.',
    );
  }
}
