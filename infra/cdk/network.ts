import { Aws, Stack, Token } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  type IPeer,
  type IVpcEndpoint,
  Peer,
  Port,
  PrefixList,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import {
  AnyPrincipal,
  Effect,
  ManagedPolicy,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../manifest.js';
import { type DeployConfig, names } from './config.js';
import { riskloopLogGroup } from './log-groups.js';
import { acknowledge, inPacks } from './nag.js';

/**
 * Whether a function runs in the VPC. In private mode every function does, except the authoriser when people sign
 * in with an identity provider (`oidcIssuer`): it fetches the provider's signing keys (JWKS) from the internet,
 * which the isolated subnets cannot reach, so it stays on Lambda's network. With API keys only it needs nothing
 * but its tables and runs inside like the rest.
 */
export function runsInVpc(spec: FunctionSpec, config: DeployConfig): boolean {
  if (config.network !== 'private') return false;
  return !(spec.trigger.kind === 'authorizer' && config.oidcSettings.OIDC_ISSUER !== undefined);
}

/**
 * Where the functions' HTTPS to the gateway endpoints (DynamoDB, S3) may go. With a known account and region
 * (`cdk deploy` with credentials), the AWS-managed prefix list of each service, looked up at synth time. An
 * environment-agnostic synth cannot look them up (CloudFormation has no function for it), so one rule admits
 * 443 anywhere: the isolated subnets' only routes out of the VPC are those two endpoints, so it reaches nothing
 * else.
 */
function gatewayPeers(scope: Construct): [string, IPeer][] {
  const { account, region } = Stack.of(scope);
  if (Token.isUnresolved(account) || Token.isUnresolved(region)) {
    return [['DynamoDB and S3 (the only routes out of the isolated subnets)', Peer.anyIpv4()]];
  }
  return (['dynamodb', 's3'] as const).map((service) => [
    service === 'dynamodb' ? 'DynamoDB' : 'S3',
    Peer.prefixList(
      PrefixList.fromLookup(scope, `${service}PrefixList`, {
        prefixListName: `com.amazonaws.${region}.${service}`,
      }).prefixListId,
    ),
  ]);
}

/** The AWS services the functions call, each reached through its own VPC endpoint in private mode. */
export const endpointServices = ['dynamodb', 'sqs', 'kms', 'events', 'logs', 'xray'] as const;
export type EndpointService = (typeof endpointServices)[number];

const interfaceServices = {
  sqs: InterfaceVpcEndpointAwsService.SQS,
  kms: InterfaceVpcEndpointAwsService.KMS,
  events: InterfaceVpcEndpointAwsService.EVENTBRIDGE,
  logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  xray: InterfaceVpcEndpointAwsService.XRAY,
} as const;

/**
 * The network-interface permissions Lambda needs in the execution role of a function in a VPC (the
 * AWSLambdaVPCAccessExecutionRole actions, written into the function's own policy: functions.ts adds no
 * AWS-managed policy). EC2 offers no resource-level permissions for the Describe action, and Lambda creates the
 * interfaces before their ids exist, so the statement names Resource "*".
 */
export const networkInterfaceActions = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * Private mode (`-c network=private`): a VPC whose subnets are all private and isolated (no internet gateway,
 * no NAT), across the region's availability zones (two in an environment-agnostic synth, up to three when the
 * account and region are known), one security group for the functions (no inbound rule, HTTPS out to the
 * endpoints only) and one for the interface endpoints (HTTPS in from the functions only), gateway endpoints
 * for DynamoDB and S3 (the initialiser's answer to CloudFormation) and interface endpoints with private DNS
 * for SQS, KMS, EventBridge, CloudWatch Logs and X-Ray.
 * Each endpoint's policy admits only this account's principals and only riskloop's resources of this stage
 * (`limitTo`). Flow logs of every rejected and accepted packet go to an encrypted log group.
 */
export class PrivateNetwork extends Construct {
  readonly vpc: Vpc;
  /** The functions' security group: no inbound rule; HTTPS out to the endpoints only. */
  readonly functionSecurityGroup: SecurityGroup;
  readonly endpoints: Record<EndpointService, IVpcEndpoint & { addToPolicy(s: PolicyStatement): void }>;

  constructor(scope: Construct, id: string, props: { config: DeployConfig; key: IKey }) {
    super(scope, id);
    const { config } = props;
    this.vpc = new Vpc(this, 'Vpc', {
      vpcName: names.resource(config.stage, 'network'),
      maxAzs: 3,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      // The default group is left unused instead: closing it takes a custom-resource function (below).
      restrictDefaultSecurityGroup: false,
    });
    acknowledge(
      this.vpc,
      inPacks('VPCDefaultSecurityGroupClosed', 'hipaa', 'nist'),
      'Nothing uses the default security group: every function and endpoint names its own group, without inbound ' +
        'rules for the functions. Closing it takes a custom-resource Lambda outside the VPC with an AWS-managed ' +
        'policy, a larger exception than the one it removes.',
    );
    const flowLogs = riskloopLogGroup(this, 'FlowLogs', {
      logGroupName: names.flowLogGroup(config.stage),
      retention: config.logRetentionDays,
      key: props.key,
    });
    // Like the functions' roles (functions.ts): one customer-managed policy, no inline policy from CDK.
    const flowLogRole = new Role(this, 'FlowLogRole', {
      assumedBy: new ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `riskloop ${config.stage}: VPC flow logs into ${names.flowLogGroup(config.stage)}`,
    });
    new ManagedPolicy(this, 'FlowLogPolicy', {
      description: `riskloop ${config.stage}: VPC flow logs write their log group only`,
      roles: [flowLogRole],
      statements: [
        new PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [flowLogs.logGroupArn],
        }),
      ],
    });
    this.vpc.addFlowLog('FlowLog', {
      trafficType: FlowLogTrafficType.ALL,
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs, flowLogRole.withoutPolicyUpdates()),
    });

    this.functionSecurityGroup = new SecurityGroup(this, 'Functions', {
      vpc: this.vpc,
      description: `riskloop ${config.stage} functions: no inbound; HTTPS out to the VPC endpoints only`,
      allowAllOutbound: false,
    });
    const endpointGroup = new SecurityGroup(this, 'Endpoints', {
      vpc: this.vpc,
      description: `riskloop ${config.stage} interface endpoints: HTTPS in from the functions only`,
      allowAllOutbound: false,
    });
    this.functionSecurityGroup.connections.allowTo(
      endpointGroup,
      Port.tcp(443),
      'HTTPS to the interface endpoints',
    );
    for (const [service, peer] of gatewayPeers(this)) {
      this.functionSecurityGroup.addEgressRule(
        peer,
        Port.tcp(443),
        `HTTPS to ${service} through its gateway endpoint`,
      );
    }

    const subnets = { subnetType: SubnetType.PRIVATE_ISOLATED };
    const dynamodb = new GatewayVpcEndpoint(this, 'DynamoDb', {
      vpc: this.vpc,
      service: GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [subnets],
    });
    // The initialiser answers CloudFormation (its custom resource) with a PUT to a pre-signed URL in
    // CloudFormation's response bucket (shared/http/custom-resource.ts). Signed by CloudFormation, so no account
    // condition: only those buckets, only PutObject.
    const s3 = new GatewayVpcEndpoint(this, 'S3', {
      vpc: this.vpc,
      service: GatewayVpcEndpointAwsService.S3,
      subnets: [subnets],
    });
    s3.addToPolicy(
      new PolicyStatement({
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::cloudformation-custom-resource-response-*/*`],
      }),
    );
    const interfaces = Object.fromEntries(
      Object.entries(interfaceServices).map(([name, service]) => [
        name,
        new InterfaceVpcEndpoint(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}`, {
          vpc: this.vpc,
          service,
          subnets,
          privateDnsEnabled: true,
          securityGroups: [endpointGroup],
          // No rule for the whole VPC: the endpoint group admits the functions' group only (above).
          open: false,
        }),
      ]),
    ) as Record<keyof typeof interfaceServices, InterfaceVpcEndpoint>;
    this.endpoints = { dynamodb, ...interfaces };
  }

  /**
   * Limits each endpoint to what the functions' own statements allow on that service (actions and resources
   * taken from them, conditions left to IAM), for this account's principals only. Tables, queues, buses and
   * log groups are named by the stage's name prefix, keys by ARN: the endpoint policy is a perimeter, the
   * functions' roles stay the least privilege.
   */
  limitTo(statements: readonly PolicyStatement[], stage: string): void {
    const arn = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const prefix = names.resource(stage, '');
    const resources: Record<EndpointService, (used: string[]) => string[]> = {
      dynamodb: () => [arn('dynamodb', `table/${prefix}*`)],
      sqs: () => [arn('sqs', `${prefix}*`)],
      kms: (used) => used,
      events: () => [arn('events', `event-bus/${prefix}*`)],
      logs: () => [arn('logs', `log-group:/aws/lambda/${prefix}*`)],
      xray: () => ['*'],
    };
    for (const service of endpointServices) {
      const used = statements.filter(
        (st) => st.effect === Effect.ALLOW && st.actions.some((a) => a.startsWith(`${service}:`)),
      );
      const actions = [
        ...new Set(used.flatMap((st) => st.actions.filter((a) => a.startsWith(`${service}:`)))),
      ];
      if (actions.length === 0) throw new Error(`No function calls ${service}: drop its endpoint`);
      const usedResources = [...new Set(used.flatMap((st) => st.resources))];
      this.endpoints[service].addToPolicy(
        new PolicyStatement({
          principals: [new AnyPrincipal()],
          actions: actions.sort(),
          resources: resources[service](usedResources),
          conditions: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
        }),
      );
    }
  }
}
