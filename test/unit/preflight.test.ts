/**
 * npm run preflight, end to end below the CLI: the plan of a real offline synthesis (stage dev), facts gathered
 * through the SDK clients with recorded AWS answers replayed by aws-sdk-client-mock, the checks and the report.
 * Each scenario describes the account as a World; the mocks answer from it the way AWS does.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  ResourceNotFoundException as TableNotFound,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ResourceNotFoundException as EventsNotFound,
} from '@aws-sdk/client-eventbridge';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import {
  ResourceNotFoundException as FunctionNotFound,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  GetTopicAttributesCommand,
  SNSClient,
  NotFoundException as TopicNotFound,
} from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { ListWebACLsCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { synthesize } from '../../infra/cdk/synthesize.js';
import { type AwsClients, createClients } from '../../infra/preflight/aws-clients.js';
import type { Finding } from '../../infra/preflight/finding.js';
import type { DeployPlan } from '../../infra/preflight/plan.js';
import { runPreflight, writeImportMapping } from '../../infra/preflight/run.js';
import { planFromSynthesis } from '../../infra/preflight/synthesis-plan.js';

const account = '111122223333';
const region = 'eu-west-1';
const callerArn = `arn:aws:sts::${account}:assumed-role/PlatformDeployer/preflight-session`;
const landingZoneRole = `arn:aws:iam::${account}:role/landing-zone-apigateway-cloudwatch`;
const regionServices = [
  'apigateway',
  'cloudformation',
  'cloudwatch',
  'dynamodb',
  'ec2',
  'events',
  'kms',
  'lambda',
  'logs',
  's3',
  'sns',
  'sqs',
  'ssm',
  'wafv2',
  'xray',
];

/** The account and region as the mocks show it. */
interface World {
  services: string[];
  bootstrapVersion: string | null;
  quota: number;
  unreserved: number;
  reservations: Record<string, number>;
  apiGatewayRole: string | undefined;
  stacks: Record<string, { status: string; protection: boolean; resources: StackResourceSummary[] }>;
  tables: Set<string>;
  logGroups: Set<string>;
  buses: Set<string>;
  archives: Set<string>;
  rules: Set<string>;
  queues: Set<string>;
  functions: Set<string>;
  alarms: Set<string>;
  topics: Set<string>;
  webAcls: Set<string>;
  aliases: { name: string; keyId: string; state: string }[];
  roles: number;
  /** Command names answered with AccessDenied. */
  denied: Set<string>;
  /** Regions that refuse the credentials (opt-in regions not enabled). */
  refusingRegions: Set<string>;
}

const freshAccount = (): World => ({
  services: [...regionServices],
  bootstrapVersion: '30',
  quota: 1000,
  unreserved: 1000,
  reservations: {},
  apiGatewayRole: landingZoneRole,
  stacks: {},
  tables: new Set(),
  logGroups: new Set(),
  buses: new Set(),
  archives: new Set(),
  rules: new Set(),
  queues: new Set(),
  functions: new Set(),
  alarms: new Set(),
  topics: new Set(),
  webAcls: new Set(),
  // Every account has AWS managed aliases.
  aliases: [{ name: 'alias/aws/dynamodb', keyId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', state: 'Enabled' }],
  roles: 42,
  denied: new Set(),
  refusingRegions: new Set(),
});

const mocks = {
  sts: mockClient(STSClient),
  ssm: mockClient(SSMClient),
  lambda: mockClient(LambdaClient),
  apiGateway: mockClient(APIGatewayClient),
  cloudFormation: mockClient(CloudFormationClient),
  logs: mockClient(CloudWatchLogsClient),
  dynamodb: mockClient(DynamoDBClient),
  eventBridge: mockClient(EventBridgeClient),
  kms: mockClient(KMSClient),
  sqs: mockClient(SQSClient),
  cloudWatch: mockClient(CloudWatchClient),
  sns: mockClient(SNSClient),
  iam: mockClient(IAMClient),
  wafv2: mockClient(WAFV2Client),
};

/** What every stub offers, whatever its client. */
interface Stub {
  reset(): unknown;
  calls(): { args: readonly unknown[] }[];
}
const stubs: Stub[] = Object.values(mocks);

const $metadata = { httpStatusCode: 400, requestId: 'c0ffee00-0000-4000-8000-000000000000' };

/** The AccessDenied AWS answers when the caller lacks `action`. */
const accessDenied = (action: string) =>
  new DynamoDBServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata,
    message: `User: ${callerArn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
  });

let world: World;

/** Answers a command from the world, or with AccessDenied when the world denies it. */
function answer<T>(command: string, action: string, respond: (input: T) => unknown) {
  return async (input: T) => {
    if (world.denied.has(command)) throw accessDenied(action);
    return respond(input);
  };
}

function page<T>(items: readonly T[], token: string | undefined, size: number) {
  const start = Number(token ?? 0);
  const next = start + size < items.length ? String(start + size) : undefined;
  return { items: items.slice(start, start + size), next };
}

function installWorld(): void {
  for (const mock of stubs) mock.reset();
  mocks.sts.on(GetCallerIdentityCommand).callsFake(async (_input, getClient) => {
    const r = await getClient().config.region();
    if (world.refusingRegions.has(r)) {
      throw new STSServiceException({
        name: 'InvalidClientTokenId',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'The security token included in the request is invalid.',
      });
    }
    return { UserId: 'AROAEXAMPLEID:preflight-session', Account: account, Arn: callerArn };
  });
  mocks.ssm.on(GetParametersByPathCommand).callsFake(
    answer(
      'GetParametersByPath',
      'ssm:GetParametersByPath',
      (input: { Path: string; NextToken?: string }) => {
        const { items, next } = page(world.services, input.NextToken, 10);
        return {
          Parameters: items.map((s) => ({
            Name: `${input.Path}/${s}`,
            Type: 'String',
            Value: s,
            Version: 1,
          })),
          NextToken: next,
        };
      },
    ),
  );
  mocks.ssm.on(GetParameterCommand).callsFake(
    answer('GetParameter', 'ssm:GetParameter', (input: { Name: string }) => {
      if (world.bootstrapVersion === null) throw new ParameterNotFound({ message: '', $metadata });
      return { Parameter: { Name: input.Name, Type: 'String', Value: world.bootstrapVersion, Version: 3 } };
    }),
  );
  mocks.lambda.on(GetAccountSettingsCommand).callsFake(
    answer('GetAccountSettings', 'lambda:GetAccountSettings', () => ({
      AccountLimit: {
        TotalCodeSize: 80530636800,
        CodeSizeUnzipped: 262144000,
        CodeSizeZipped: 52428800,
        ConcurrentExecutions: world.quota,
        UnreservedConcurrentExecutions: world.unreserved,
      },
      AccountUsage: { TotalCodeSize: 0, FunctionCount: world.functions.size },
    })),
  );
  mocks.lambda.on(GetFunctionCommand).callsFake(
    answer('GetFunction', 'lambda:GetFunction', (input: { FunctionName: string }) => {
      if (!world.functions.has(input.FunctionName)) {
        throw new FunctionNotFound({
          message: `Function not found: arn:aws:lambda:${region}:${account}:function:${input.FunctionName}`,
          $metadata,
        });
      }
      return { Configuration: { FunctionName: input.FunctionName, State: 'Active' } };
    }),
  );
  mocks.lambda.on(GetFunctionConcurrencyCommand).callsFake(
    answer('GetFunctionConcurrency', 'lambda:GetFunctionConcurrency', (input: { FunctionName: string }) => {
      const reserved = world.reservations[input.FunctionName];
      return reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved };
    }),
  );
  mocks.apiGateway.on(GetAccountCommand).callsFake(
    answer('GetAccount', 'apigateway:GET', () => ({
      cloudwatchRoleArn: world.apiGatewayRole,
      throttleSettings: { burstLimit: 5000, rateLimit: 10000 },
      features: ['UsagePlans'],
      apiKeyVersion: '4',
    })),
  );
  mocks.cloudFormation.on(DescribeStacksCommand).callsFake(
    answer('DescribeStacks', 'cloudformation:DescribeStacks', (input: { StackName: string }) => {
      const stack = world.stacks[input.StackName];
      if (!stack) {
        throw new CloudFormationServiceException({
          name: 'ValidationError',
          $fault: 'client',
          $metadata,
          message: `Stack with id ${input.StackName} does not exist`,
        });
      }
      return {
        Stacks: [
          {
            StackName: input.StackName,
            StackId: `arn:aws:cloudformation:${region}:${account}:stack/${input.StackName}/0a1b2c3d-0000-4000-8000-000000000000`,
            StackStatus: stack.status,
            EnableTerminationProtection: stack.protection,
            CreationTime: new Date('2026-11-02T09:00:00Z'),
          },
        ],
      };
    }),
  );
  mocks.cloudFormation.on(ListStackResourcesCommand).callsFake(
    answer(
      'ListStackResources',
      'cloudformation:ListStackResources',
      (input: { StackName: string; NextToken?: string }) => {
        const { items, next } = page(world.stacks[input.StackName]?.resources ?? [], input.NextToken, 100);
        return { StackResourceSummaries: items, NextToken: next };
      },
    ),
  );
  mocks.logs.on(DescribeLogGroupsCommand).callsFake(
    answer('DescribeLogGroups', 'logs:DescribeLogGroups', (input: { logGroupNamePrefix: string }) => ({
      logGroups: [...world.logGroups]
        .filter((g) => g.startsWith(input.logGroupNamePrefix))
        .map((logGroupName) => ({ logGroupName, retentionInDays: 365, storedBytes: 0 })),
    })),
  );
  mocks.dynamodb.on(DescribeTableCommand).callsFake(
    answer('DescribeTable', 'dynamodb:DescribeTable', (input: { TableName: string }) => {
      if (!world.tables.has(input.TableName)) {
        throw new TableNotFound({
          message: `Requested resource not found: Table: ${input.TableName} not found`,
          $metadata,
        });
      }
      return {
        Table: { TableName: input.TableName, TableStatus: 'ACTIVE', DeletionProtectionEnabled: true },
      };
    }),
  );
  const eventsNotFound = (what: string) =>
    new EventsNotFound({ message: `${what} does not exist.`, $metadata });
  mocks.eventBridge.on(DescribeEventBusCommand).callsFake(
    answer('DescribeEventBus', 'events:DescribeEventBus', (input: { Name: string }) => {
      if (!world.buses.has(input.Name)) throw eventsNotFound(`Event bus ${input.Name}`);
      return { Name: input.Name, Arn: `arn:aws:events:${region}:${account}:event-bus/${input.Name}` };
    }),
  );
  mocks.eventBridge.on(DescribeArchiveCommand).callsFake(
    answer('DescribeArchive', 'events:DescribeArchive', (input: { ArchiveName: string }) => {
      if (!world.archives.has(input.ArchiveName)) throw eventsNotFound(`Archive ${input.ArchiveName}`);
      return { ArchiveName: input.ArchiveName, State: 'ENABLED' };
    }),
  );
  mocks.eventBridge.on(DescribeRuleCommand).callsFake(
    answer('DescribeRule', 'events:DescribeRule', (input: { Name: string }) => {
      if (!world.rules.has(input.Name)) throw eventsNotFound(`Rule ${input.Name}`);
      return { Name: input.Name, State: 'ENABLED', EventBusName: 'default' };
    }),
  );
  mocks.kms.on(ListAliasesCommand).callsFake(
    answer('ListAliases', 'kms:ListAliases', (input: { Marker?: string }) => {
      // Two per page, so the listing has to follow the marker.
      const { items, next } = page(world.aliases, input.Marker, 2);
      return {
        Aliases: items.map((a) => ({
          AliasName: a.name,
          AliasArn: `arn:aws:kms:${region}:${account}:${a.name}`,
          TargetKeyId: a.keyId,
        })),
        Truncated: next !== undefined,
        NextMarker: next,
      };
    }),
  );
  mocks.kms.on(DescribeKeyCommand).callsFake(
    answer('DescribeKey', 'kms:DescribeKey', (input: { KeyId: string }) => {
      const alias = world.aliases.find((a) => a.keyId === input.KeyId);
      return {
        KeyMetadata: {
          KeyId: input.KeyId,
          KeyState: alias?.state ?? 'Enabled',
          Enabled: alias?.state === 'Enabled',
        },
      };
    }),
  );
  mocks.sqs.on(GetQueueUrlCommand).callsFake(
    answer('GetQueueUrl', 'sqs:GetQueueUrl', (input: { QueueName: string }) => {
      if (!world.queues.has(input.QueueName)) {
        throw new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata });
      }
      return { QueueUrl: `https://sqs.${region}.amazonaws.com/${account}/${input.QueueName}` };
    }),
  );
  mocks.cloudWatch.on(DescribeAlarmsCommand).callsFake(
    answer('DescribeAlarms', 'cloudwatch:DescribeAlarms', (input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.filter((n) => world.alarms.has(n)).map((AlarmName) => ({ AlarmName })),
      CompositeAlarms: [],
    })),
  );
  mocks.sns.on(GetTopicAttributesCommand).callsFake(
    answer('GetTopicAttributes', 'sns:GetTopicAttributes', (input: { TopicArn: string }) => {
      const name = input.TopicArn.split(':').pop() ?? '';
      if (!world.topics.has(name)) throw new TopicNotFound({ message: 'Topic does not exist', $metadata });
      return { Attributes: { TopicArn: input.TopicArn } };
    }),
  );
  mocks.iam.on(GetAccountSummaryCommand).callsFake(
    answer('GetAccountSummary', 'iam:GetAccountSummary', () => ({
      SummaryMap: { Roles: world.roles, RolesQuota: 1000, Policies: 10, PoliciesQuota: 1500 },
    })),
  );
  mocks.wafv2.on(ListWebACLsCommand).callsFake(
    answer('ListWebACLs', 'wafv2:ListWebACLs', (input: { NextMarker?: string }) => {
      const { items, next } = page([...world.webAcls], input.NextMarker, 100);
      return {
        WebACLs: items.map((Name) => ({ Name, Id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' })),
        // WAFv2 hands out a marker even with the last page.
        NextMarker: next ?? 'end-of-list',
      };
    }),
  );
}

let plan: DeployPlan;
let clients: AwsClients;
let tmp: string;

beforeAll(async () => {
  const synthesis = synthesize({ stage: 'dev' }, { bundle: false, compliancePacks: false });
  try {
    plan = planFromSynthesis(synthesis);
  } finally {
    synthesis.cleanup();
  }
  clients = await createClients({ region });
  tmp = mkdtempSync(join(tmpdir(), 'riskloop-preflight-'));
});
afterAll(() => {
  clients.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  world = freshAccount();
  installWorld();
});

const run = () => runPreflight(plan, clients, { importMappingFile: 'preflight-import.json' });
const at = (findings: Finding[], level: Finding['level']) => findings.filter((f) => f.level === level);
const named = (type: string) => plan.namedResources.filter((r) => r.type === type);
const namesOf = (type: string, stack?: string) =>
  named(type)
    .filter((r) => stack === undefined || r.stackName === stack)
    .map((r) => r.name);

/** Every call any mock received, by command name. */
function commandsCalled(): string[] {
  return stubs.flatMap((mock) => mock.calls().map((call) => (call.args[0] as object).constructor.name));
}

/** The stacks as CloudFormation lists them once deployed: every resource of the plan, with its physical id. */
function deployedStack(stackName: string): StackResourceSummary[] {
  const physicalId = (type: string, name: string) => {
    if (type === 'AWS::SQS::Queue') return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
    if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${region}:${account}:${name}`;
    if (type === 'AWS::WAFv2::WebACL') return `${name}|a1b2c3d4-5678-90ab-cdef-EXAMPLE11111|REGIONAL`;
    return name;
  };
  const summary = (LogicalResourceId: string, ResourceType: string, PhysicalResourceId: string) => ({
    LogicalResourceId,
    ResourceType,
    PhysicalResourceId,
    ResourceStatus: 'CREATE_COMPLETE' as const,
    LastUpdatedTimestamp: new Date('2026-11-02T09:05:00Z'),
  });
  return [
    ...plan.namedResources
      .filter((r) => r.stackName === stackName)
      .map((r) => summary(r.logicalId, r.type, physicalId(r.type, r.name))),
    ...plan.roles
      .filter((r) => r.stackName === stackName)
      .map((r) => summary(r.logicalId, 'AWS::IAM::Role', `${stackName}-${r.logicalId}-AbCdEf123456`)),
  ];
}

describe('npm run preflight against recorded AWS answers', () => {
  it('passes a fresh account: exit 0, no blockers, and reads only (Describe/Get/List calls)', async () => {
    const result = await run();
    expect(at(result.findings, 'BLOCKER')).toEqual([]);
    expect(at(result.findings, 'WARN')).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.importMapping).toBeUndefined();
    expect(result.report).toContain(`riskloop preflight: stage dev, account ${account}, region ${region}`);
    expect(result.report).toContain(`caller: ${callerArn}`);
    expect(result.report.trimEnd().split('\n').pop()).toBe('0 blockers, 0 warnings');
    const called = commandsCalled();
    expect(called.length).toBeGreaterThan(100);
    expect(called.filter((c) => !/^(Describe|Get|List)\w+Command$/.test(c))).toEqual([]);
    // Every probed type was asked about, each name once.
    expect(mocks.dynamodb.commandCalls(DescribeTableCommand)).toHaveLength(
      named('AWS::DynamoDB::Table').length,
    );
    expect(mocks.sqs.commandCalls(GetQueueUrlCommand)).toHaveLength(named('AWS::SQS::Queue').length);
    expect(mocks.kms.commandCalls(ListAliasesCommand)).toHaveLength(1);
    // Types without a probe are listed, not skipped.
    expect(result.report).toMatch(
      /INFO +resources +not checked: 1 CloudWatch::Dashboard \(riskloop-dev-overview\)/,
    );
  });

  it('blocks when a Lambda quota of 200 cannot keep 100 unreserved, and says to pass the real quota', async () => {
    world.quota = 200;
    world.unreserved = 200;
    const needed = plan.reservations.reduce((sum, r) => sum + r.reserved, 0);
    const result = await run();
    const [concurrency] = at(result.findings, 'BLOCKER');
    expect(concurrency?.check).toBe('concurrency');
    expect(concurrency?.reason).toContain(`reserve ${needed} concurrent executions`);
    expect(concurrency?.reason).toContain(`${200 - needed} would stay unreserved`);
    expect(concurrency?.fix).toContain('Concurrent executions');
    expect(concurrency?.fix).toContain('-c reservedConcurrency=false');
    expect(at(result.findings, 'WARN').map((f) => f.fix)).toContain(
      'pass -c lambdaConcurrencyQuota=200 to cdk deploy (and to preflight) so the synth checks the real quota',
    );
    expect(result.exitCode).toBe(1);
  });

  it("does not count twice the reservations riskloop's own functions already hold", async () => {
    // A stage deployed before: its functions hold their reservations, so the account shows fewer unreserved.
    const reserved = plan.reservations.filter((r) => r.functionName !== undefined);
    const held = reserved.reduce((sum, r) => sum + r.reserved, 0);
    for (const r of reserved) world.reservations[r.functionName as string] = r.reserved;
    for (const name of namesOf('AWS::Lambda::Function')) world.functions.add(name);
    world.stacks['riskloop-dev-service'] = {
      status: 'UPDATE_COMPLETE',
      protection: false,
      resources: deployedStack('riskloop-dev-service'),
    };
    world.quota = 400;
    world.unreserved = 400 - held;
    const result = await run();
    expect(result.findings.find((f) => f.check === 'concurrency' && f.level !== 'WARN')).toMatchObject({
      level: 'OK',
      reason: `the stacks reserve ${held} of 400 concurrent executions (${held} of them already held by riskloop's functions); ${400 - held} stay unreserved`,
    });
    expect(mocks.lambda.commandCalls(GetFunctionConcurrencyCommand)).toHaveLength(
      named('AWS::Lambda::Function').length,
    );
  });

  it('blocks when the account has no API Gateway logging role and apiGatewayCloudWatchRole=false', async () => {
    world.apiGatewayRole = undefined;
    const result = await run();
    expect(at(result.findings, 'BLOCKER')).toEqual([
      expect.objectContaining({
        check: 'api-logging',
        reason: 'the account has no API Gateway CloudWatch role, which stage logging needs',
        fix: expect.stringContaining('-c apiGatewayCloudWatchRole=true'),
      }),
    ]);
    expect(result.exitCode).toBe(1);
  });

  it('after a teardown, blocks until the retained keys are imported and writes the exact import mapping', async () => {
    const keys = {
      'alias/riskloop-dev-storage': '1234abcd-12ab-34cd-56ef-1234567890ab',
      'alias/riskloop-dev-pseudonymisation': '2234abcd-12ab-34cd-56ef-1234567890ab',
      'alias/riskloop-dev-data-keys': '3234abcd-12ab-34cd-56ef-1234567890ab',
      'alias/riskloop-dev-audit-signing': '4234abcd-12ab-34cd-56ef-1234567890ab',
    };
    world.aliases.push(...Object.entries(keys).map(([name, keyId]) => ({ name, keyId, state: 'Enabled' })));
    for (const t of namesOf('AWS::DynamoDB::Table')) world.tables.add(t);
    for (const g of namesOf('AWS::Logs::LogGroup')) world.logGroups.add(g);
    world.buses.add('riskloop-dev-compliance');
    world.archives.add('riskloop-dev-compliance');

    const result = await run();
    const blockers = at(result.findings, 'BLOCKER');
    expect(blockers).toHaveLength(1);
    expect(blockers[0]?.reason).toMatch(
      /^4 KMS keys retained from an earlier deployment of riskloop-dev-data/,
    );
    expect(blockers[0]?.fix).toContain(
      'npx cdk import riskloop-dev-data --resource-mapping preflight-import.json (mapping written to preflight-import.json',
    );
    expect(blockers[0]?.fix).toMatch(/then npx cdk deploy --all --import-existing-resources$/);
    // The service and API stacks' log groups are adopted by the deploy (the data stack has none).
    const logGroups = (stack: string) => namesOf('AWS::Logs::LogGroup', stack).length;
    expect(at(result.findings, 'WARN').map((f) => f.reason)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^riskloop-dev-service: ${logGroups('riskloop-dev-service')} Logs::LogGroups left behind .* adopts them$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^riskloop-dev-api: ${logGroups('riskloop-dev-api')} Logs::LogGroups left behind .* adopts them$`,
        ),
      ),
    ]);
    expect(result.exitCode).toBe(1);

    const file = join(tmp, 'preflight-import.json');
    writeImportMapping(file, result.importMapping ?? {});
    const expected = {
      StorageKeyB6649B55: { KeyId: keys['alias/riskloop-dev-storage'] },
      StorageKeyAliasCD39693C: { AliasName: 'alias/riskloop-dev-storage' },
      PseudonymisationKey2C115F68: { KeyId: keys['alias/riskloop-dev-pseudonymisation'] },
      PseudonymisationKeyAlias6FCB9606: { AliasName: 'alias/riskloop-dev-pseudonymisation' },
      DataKeysKey91D21E5C: { KeyId: keys['alias/riskloop-dev-data-keys'] },
      DataKeysKeyAlias60607D49: { AliasName: 'alias/riskloop-dev-data-keys' },
      AuditSigningKeyE35DDF59: { KeyId: keys['alias/riskloop-dev-audit-signing'] },
      AuditSigningKeyAlias5DB7F606: { AliasName: 'alias/riskloop-dev-audit-signing' },
      ProfilesTable3B48B4C6: { TableName: 'riskloop-dev-profiles' },
      SubjectKeysTable0DE6158B: { TableName: 'riskloop-dev-subject-keys' },
      KeyringTableA3608060: { TableName: 'riskloop-dev-keyring' },
      TransactionsTable0A011FCB: { TableName: 'riskloop-dev-transactions' },
      AssignmentsTableBD53780E: { TableName: 'riskloop-dev-assignments' },
      AuditTableB07F8EEB: { TableName: 'riskloop-dev-audit' },
      PrincipalsTable168F11AB: { TableName: 'riskloop-dev-principals' },
      IdempotencyTable22A5A209: { TableName: 'riskloop-dev-idempotency' },
      RiskModelsTable02B215EC: { TableName: 'riskloop-dev-risk-models' },
      OverridesTable7BDFBA35: { TableName: 'riskloop-dev-overrides' },
      RunsTable9D121A51: { TableName: 'riskloop-dev-runs' },
      OutcomesTable734C54A9: { TableName: 'riskloop-dev-outcomes' },
      ScoringModelsTable536D779B: { TableName: 'riskloop-dev-scoring-models' },
      WebhookDeliveriesTableB94F06B5: { TableName: 'riskloop-dev-webhook-deliveries' },
      FeedbackTableF528636C: { TableName: 'riskloop-dev-feedback' },
      FeedbackAggregatesTableE85C985D: { TableName: 'riskloop-dev-feedback-aggregates' },
      AggregatesTable0F8EFB12: { TableName: 'riskloop-dev-aggregates' },
      SubjectIndexTable290457C8: { TableName: 'riskloop-dev-subject-index' },
      ErasureRequestsTable07C278D1: { TableName: 'riskloop-dev-erasure-requests' },
      CasesTableABF7127D: { TableName: 'riskloop-dev-cases' },
      KycReviewsTable23F22FF7: { TableName: 'riskloop-dev-kyc-reviews' },
      SegmentSnapshotsTableCC25A2F5: { TableName: 'riskloop-dev-segment-snapshots' },
      IngestIntentsTable03B65E8F: { TableName: 'riskloop-dev-ingest-intents' },
      ApprovalsTableF18C2B8F: { TableName: 'riskloop-dev-approvals' },
      ComplianceBusDBFE3FFE: { Name: 'riskloop-dev-compliance' },
      ComplianceBusComplianceArchive68F9551E: { ArchiveName: 'riskloop-dev-compliance' },
    };
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  it('blocks on a retained key scheduled for deletion, naming cancel-key-deletion', async () => {
    world.aliases.push({
      name: 'alias/riskloop-dev-storage',
      keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      state: 'PendingDeletion',
    });
    const result = await run();
    expect(at(result.findings, 'BLOCKER').map((f) => f.fix)).toContain(
      'aws kms cancel-key-deletion --key-id 1234abcd-12ab-34cd-56ef-1234567890ab, then aws kms enable-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab',
    );
  });

  it('only warns about leftover tables and log groups: the deploy adopts them (exit 0)', async () => {
    for (const t of namesOf('AWS::DynamoDB::Table').slice(0, 3)) world.tables.add(t);
    for (const g of namesOf('AWS::Logs::LogGroup', 'riskloop-dev-service')) world.logGroups.add(g);
    const result = await run();
    expect(at(result.findings, 'BLOCKER')).toEqual([]);
    expect(at(result.findings, 'WARN')).toEqual([
      expect.objectContaining({
        reason:
          'riskloop-dev-data: 3 DynamoDB::Tables left behind by an earlier deployment (riskloop-dev-profiles, ' +
          'riskloop-dev-subject-keys, riskloop-dev-keyring); `cdk deploy --import-existing-resources` adopts them',
        fix: 'deploy with npx cdk deploy --all --import-existing-resources (never without --import-existing-resources)',
      }),
      expect.objectContaining({
        reason: expect.stringMatching(
          new RegExp(
            `^riskloop-dev-service: ${namesOf('AWS::Logs::LogGroup', 'riskloop-dev-service').length} Logs::`,
          ),
        ),
      }),
    ]);
    expect(result.importMapping).toBeUndefined();
    expect(result.exitCode).toBe(0);
  });

  it('blocks when the bootstrap stack is older than the assembly requires, or missing', async () => {
    world.bootstrapVersion = '5';
    const old = await run();
    expect(at(old.findings, 'BLOCKER')).toEqual([
      {
        check: 'bootstrap',
        level: 'BLOCKER',
        reason: 'bootstrap version 5 is older than the 6 the stacks require',
        fix: `re-run npx cdk bootstrap aws://${account}/${region} (it updates the bootstrap stack in place)`,
      },
    ]);
    world.bootstrapVersion = null;
    installWorld();
    const missing = await run();
    expect(at(missing.findings, 'BLOCKER')).toEqual([
      expect.objectContaining({ fix: `run npx cdk bootstrap aws://${account}/${region}` }),
    ]);
    expect(mocks.ssm.commandCalls(GetParameterCommand)[0]?.args[0].input.Name).toBe(
      '/cdk-bootstrap/hnb659fds/version',
    );
  });

  it('warns (does not block) in a region whose service list has no wafv2 while waf is on', async () => {
    world.services = world.services.filter((s) => s !== 'wafv2');
    const result = await run();
    expect(at(result.findings, 'BLOCKER')).toEqual([]);
    expect(at(result.findings, 'WARN')).toContainEqual(
      expect.objectContaining({ check: 'region', fix: expect.stringContaining('-c waf=false') }),
    );
  });

  it('blocks in a region without a service the stacks need', async () => {
    world.services = world.services.filter((s) => s !== 'dynamodb');
    const result = await run();
    expect(at(result.findings, 'BLOCKER')).toEqual([
      expect.objectContaining({
        check: 'region',
        reason: `${region} does not offer dynamodb, which the stacks use`,
      }),
    ]);
    expect(result.exitCode).toBe(1);
  });

  it('blocks when the region refuses the credentials (an opt-in region not enabled), and stops there', async () => {
    world.refusingRegions.add(region);
    const result = await run();
    expect(result.findings.map((f) => `${f.level} ${f.check}`)).toEqual(['OK identity', 'BLOCKER region']);
    expect(result.findings[1]?.reason).toContain('opt-in region this account has not enabled');
    expect(result.findings[1]?.fix).toContain(`aws account enable-region --region-name ${region}`);
    expect(result.exitCode).toBe(1);
  });

  it('blocks on a stack in ROLLBACK_COMPLETE: delete it, then deploy', async () => {
    // A failed first create of the data stack: what it created is gone, except the retained tables.
    world.stacks['riskloop-dev-data'] = {
      status: 'ROLLBACK_COMPLETE',
      protection: true,
      resources: deployedStack('riskloop-dev-data').map((r) => ({
        ...r,
        ResourceStatus: r.ResourceType === 'AWS::DynamoDB::Table' ? 'DELETE_SKIPPED' : 'DELETE_COMPLETE',
      })),
    };
    for (const t of namesOf('AWS::DynamoDB::Table')) world.tables.add(t);
    const result = await run();
    const [stack] = at(result.findings, 'BLOCKER');
    expect(stack).toMatchObject({
      check: 'stacks',
      reason:
        'riskloop-dev-data: ROLLBACK_COMPLETE, a failed first create that CloudFormation refuses to update',
    });
    expect(stack?.fix).toContain('--no-enable-termination-protection --stack-name riskloop-dev-data');
    expect(stack?.fix).toContain('aws cloudformation delete-stack --stack-name riskloop-dev-data');
    expect(stack?.fix).toContain('adopted by --import-existing-resources');
    // The tables the failed create kept are no longer the stack's: the deploy after the delete adopts them.
    expect(at(result.findings, 'WARN').map((f) => f.reason)).toEqual([
      expect.stringMatching(/^riskloop-dev-data: \d+ DynamoDB::Tables left behind by an earlier deployment/),
    ]);
    expect(result.exitCode).toBe(1);
  });

  it('finds nothing in the way of the next deploy of a healthy stage, and warns when the data stack is unprotected', async () => {
    for (const part of ['data', 'service', 'api']) {
      const stackName = `riskloop-dev-${part}`;
      world.stacks[stackName] = {
        status: 'UPDATE_COMPLETE',
        protection: part !== 'data',
        resources: deployedStack(stackName),
      };
    }
    for (const r of plan.namedResources) {
      const sets: Record<string, Set<string>> = {
        'AWS::DynamoDB::Table': world.tables,
        'AWS::Logs::LogGroup': world.logGroups,
        'AWS::Events::EventBus': world.buses,
        'AWS::Events::Archive': world.archives,
        'AWS::Events::Rule': world.rules,
        'AWS::SQS::Queue': world.queues,
        'AWS::Lambda::Function': world.functions,
        'AWS::CloudWatch::Alarm': world.alarms,
        'AWS::SNS::Topic': world.topics,
        'AWS::WAFv2::WebACL': world.webAcls,
      };
      sets[r.type]?.add(r.name);
    }
    world.aliases.push(
      ...named('AWS::KMS::Alias').map((a, i) => ({
        name: a.name,
        keyId: `${i}234abcd-12ab-34cd-56ef-1234567890ab`,
        state: 'Enabled',
      })),
    );
    const result = await run();
    expect(at(result.findings, 'BLOCKER')).toEqual([]);
    expect(at(result.findings, 'WARN')).toEqual([
      expect.objectContaining({
        reason: 'riskloop-dev-data holds the keys and tables but has no termination protection',
        fix: 'aws cloudformation update-termination-protection --enable-termination-protection --stack-name riskloop-dev-data',
      }),
    ]);
    const probed =
      plan.namedResources.length -
      named('AWS::CloudWatch::Dashboard').length -
      named('AWS::ApiGateway::RestApi').length -
      named('AWS::ApiGateway::Stage').length -
      named('AWS::ApiGateway::Model').length;
    expect(result.findings.find((f) => f.check === 'resources')?.reason).toBe(
      `${probed} named resources probed: 0 free, ${probed} already in their stacks`,
    );
    expect(result.findings.find((f) => f.check === 'iam')?.reason).toBe(
      'the deploy adds 0 IAM roles: 42 of 1000 after it',
    );
  });

  it('turns AccessDenied on a probe into a warning naming the permission, without crashing', async () => {
    world.denied.add('DescribeTable');
    world.denied.add('ListWebACLs');
    const result = await run();
    expect(at(result.findings, 'BLOCKER')).toEqual([]);
    const warnings = at(result.findings, 'WARN');
    expect(warnings.map((f) => f.reason)).toEqual([
      expect.stringMatching(
        /^could not tell whether \d+ DynamoDB::Tables \(riskloop-dev-profiles, .*\) exist: dynamodb:DescribeTable denied$/,
      ),
      'could not tell whether 1 WAFv2::WebACL (riskloop-dev-api) exists: wafv2:ListWebACLs denied',
    ]);
    expect(warnings.map((f) => f.fix)).toEqual([
      'grant dynamodb:DescribeTable (read-only) to the caller and re-run',
      'grant wafv2:ListWebACLs (read-only) to the caller and re-run',
    ]);
    expect(result.exitCode).toBe(0);
  });

  it('blocks on a queue with our name that no riskloop stack owns', async () => {
    world.queues.add('riskloop-dev-segmentation');
    const result = await run();
    expect(at(result.findings, 'BLOCKER')).toEqual([
      {
        check: 'resources',
        level: 'BLOCKER',
        reason:
          'SQS::Queue riskloop-dev-segmentation already exists outside riskloop-dev-service and would collide',
        fix: 'delete it (SQS refuses a deleted queue name for 60 s) or choose another stage (-c stage=<name>)',
      },
    ]);
    expect(result.exitCode).toBe(1);
  });
});
