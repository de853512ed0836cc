/** The SDK clients preflight reads through: one region, one credential chain shared by all of them. */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { WAFV2Client } from '@aws-sdk/client-wafv2';

export interface AwsClients {
  region: string;
  sts: STSClient;
  /** STS in the partition's oldest region: tells a disabled opt-in region from bad credentials. */
  stsElsewhere: () => STSClient;
  ssm: SSMClient;
  lambda: LambdaClient;
  apiGateway: APIGatewayClient;
  cloudFormation: CloudFormationClient;
  logs: CloudWatchLogsClient;
  dynamodb: DynamoDBClient;
  eventBridge: EventBridgeClient;
  kms: KMSClient;
  sqs: SQSClient;
  cloudWatch: CloudWatchClient;
  sns: SNSClient;
  iam: IAMClient;
  wafv2: WAFV2Client;
  /** Closes every client's connections (also the lazily made `stsElsewhere`), so the process can exit. */
  close(): void;
}

export interface ClientOptions {
  /** A profile of ~/.aws/config: its credentials and, unless `region` is given, its region. */
  profile?: string | undefined;
  /** Default: AWS_REGION, then the profile's region. */
  region?: string | undefined;
}

/** The region every partition has had from its start, for the identity cross-check. */
export function partitionHomeRegion(region: string): string {
  if (region.startsWith('cn-')) return 'cn-north-1';
  if (region.startsWith('us-gov-')) return 'us-gov-west-1';
  return 'us-east-1';
}

/**
 * Creates the clients. The region and credentials are resolved once, through the SDK's own chain (so
 * `--profile` behaves like AWS_PROFILE), and the one credential provider is shared: a profile that assumes a
 * role (or asks for an MFA code) does so once, not once per service.
 */
export async function createClients(options: ClientOptions): Promise<AwsClients> {
  const first = new STSClient({ profile: options.profile, region: options.region });
  let region: string;
  try {
    region = await first.config.region();
  } catch {
    throw new Error('No AWS region: pass --region <region>, set AWS_REGION, or give the profile a region');
  }
  const credentials: STSClient['config']['credentials'] = first.config.credentials;
  // A few more attempts than the SDK's 3: a hundred probes may meet throttling on a busy account.
  const config = { region, credentials, maxAttempts: 5 };
  let elsewhere: STSClient | undefined;
  const clients: Omit<AwsClients, 'close'> = {
    region,
    sts: first,
    stsElsewhere: () => {
      elsewhere ??= new STSClient({ ...config, region: partitionHomeRegion(region) });
      return elsewhere;
    },
    ssm: new SSMClient(config),
    lambda: new LambdaClient(config),
    apiGateway: new APIGatewayClient(config),
    cloudFormation: new CloudFormationClient(config),
    logs: new CloudWatchLogsClient(config),
    dynamodb: new DynamoDBClient(config),
    eventBridge: new EventBridgeClient(config),
    kms: new KMSClient(config),
    sqs: new SQSClient(config),
    cloudWatch: new CloudWatchClient(config),
    sns: new SNSClient(config),
    iam: new IAMClient(config),
    wafv2: new WAFV2Client(config),
  };
  return {
    ...clients,
    close: () => {
      for (const client of [...Object.values(clients), elsewhere]) {
        if (typeof client === 'object' && client !== null && 'destroy' in client) client.destroy();
      }
    },
  };
}
