/**
 * The pure parts of npm run preflight: plan building from small hand-made templates, each check over literal
 * facts, and the report. No AWS, no SDK types.
 */
import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../../infra/limits/template.js';
import { checkApiGatewayLogging } from '../../infra/preflight/checks/api-logging.js';
import { checkConcurrency } from '../../infra/preflight/checks/concurrency.js';
import { checkIamRoles } from '../../infra/preflight/checks/iam.js';
import { buildImportMapping, importMappingText } from '../../infra/preflight/checks/import-mapping.js';
import { checkRegionServices } from '../../infra/preflight/checks/region.js';
import { checkResources, identifies } from '../../infra/preflight/checks/resources.js';
import { checkStacks } from '../../infra/preflight/checks/stacks.js';
import type { Facts, StackFact } from '../../infra/preflight/facts.js';
import type { Finding } from '../../infra/preflight/finding.js';
import { buildPlan, type DeployPlan, type PlanConfig } from '../../infra/preflight/plan.js';
import { exitCode, renderReport, summaryLine } from '../../infra/preflight/report.js';

const config: PlanConfig = {
  stage: 'test',
  waf: false,
  apiGatewayCloudWatchRole: false,
  reservedConcurrency: true,
  lambdaConcurrencyQuota: 1000,
};

const dataTemplate: CfnTemplate = {
  Resources: {
    Key1: { Type: 'AWS::KMS::Key', DeletionPolicy: 'RetainExceptOnCreate' },
    Key1Alias: {
      Type: 'AWS::KMS::Alias',
      Properties: {
        AliasName: 'alias/riskloop-test-storage',
        TargetKeyId: { 'Fn::GetAtt': ['Key1', 'Arn'] },
      },
    },
    Table1: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'riskloop-test-profiles' } },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'riskloop-test-compliance' } },
  },
};

const serviceTemplate: CfnTemplate = {
  Resources: {
    WorkerRole: { Type: 'AWS::IAM::Role', Properties: {} },
    Worker: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'riskloop-test-worker',
        ReservedConcurrentExecutions: 80,
        TracingConfig: { Mode: 'Active' },
      },
    },
    WorkerLogs: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: '/aws/lambda/riskloop-test-worker' },
    },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'riskloop-test-jobs' } },
    // Named after another resource's id: it never meets an earlier deployment's.
    Generated: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: { 'Fn::Join': ['', ['x-', { Ref: 'Queue' }]] } },
    },
    Scaling: { Type: 'AWS::ApplicationAutoScaling::ScalableTarget', Properties: {} },
    Init: { Type: 'Custom::RiskloopInitialisation', Properties: {} },
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: 'riskloop-test-overview' },
    },
  },
};

const stacks = [
  {
    stackName: 'riskloop-test-data',
    template: dataTemplate,
    requiresBootstrapStackVersion: 6,
    terminationProtection: true,
  },
  { stackName: 'riskloop-test-service', template: serviceTemplate, requiresBootstrapStackVersion: 6 },
];

const planWith = (overrides: Partial<PlanConfig> = {}): DeployPlan =>
  buildPlan(stacks, { ...config, ...overrides }, { dataStack: 'riskloop-test-data' });

/** An account where nothing of the stage exists yet. */
const baseFacts = (): Facts => ({
  identity: { account: '111122223333', arn: 'arn:aws:iam::111122223333:role/deployer', partition: 'aws' },
  region: 'eu-central-1',
  regionServices: {
    kind: 'ok',
    value: ['cloudformation', 'dynamodb', 'events', 'kms', 'lambda', 'logs', 'sqs', 'xray'],
  },
  bootstrap: { '/cdk-bootstrap/hnb659fds/version': { kind: 'ok', value: 21 } },
  lambdaAccount: { kind: 'ok', value: { quota: 1000, unreserved: 1000 } },
  functionReservations: {},
  apiGatewayRoleArn: { kind: 'ok', value: 'arn:aws:iam::111122223333:role/lz/apigw-logs' },
  stacks: {
    'riskloop-test-data': { kind: 'ok', value: null },
    'riskloop-test-service': { kind: 'ok', value: null },
  },
  resources: {},
  iamRoles: { kind: 'ok', value: { roles: 10, quota: 1000 } },
});

const stack = (
  status: string,
  resources: StackFact['resources'] = { kind: 'ok', value: [] },
  protection = false,
) => ({ kind: 'ok', value: { status, terminationProtection: protection, resources } }) as const;

const levels = (findings: Finding[]) => findings.map((f) => f.level);

describe('the plan, read from the templates', () => {
  const plan = planWith();

  it('lists the services the templates use, X-Ray from active tracing, and what it cannot look up', () => {
    expect(plan.services).toEqual([
      'cloudformation',
      'cloudwatch',
      'dynamodb',
      'events',
      'kms',
      'lambda',
      'logs',
      'sqs',
      'xray',
    ]);
    // IAM is global and Custom:: resources run on the stack's own functions: neither needs a regional service.
    expect(plan.uncheckedNamespaces).toEqual(['ApplicationAutoScaling']);
  });

  it('keeps only static names, with the key behind each alias', () => {
    expect(plan.namedResources.map((r) => `${r.logicalId}=${r.name}`)).toEqual([
      'Key1Alias=alias/riskloop-test-storage',
      'Table1=riskloop-test-profiles',
      'Bus=riskloop-test-compliance',
      'Worker=riskloop-test-worker',
      'WorkerLogs=/aws/lambda/riskloop-test-worker',
      'Queue=riskloop-test-jobs',
      'Dashboard=riskloop-test-overview',
    ]);
    expect(plan.namedResources[0]?.keyLogicalId).toBe('Key1');
  });

  it('collects reservations, roles and the bootstrap requirement per stack', () => {
    expect(plan.reservations).toEqual([
      {
        stackName: 'riskloop-test-service',
        logicalId: 'Worker',
        functionName: 'riskloop-test-worker',
        reserved: 80,
      },
    ]);
    expect(plan.roles).toEqual([{ stackName: 'riskloop-test-service', logicalId: 'WorkerRole' }]);
    expect(
      plan.stacks.map((s) => [s.bootstrapParameter, s.requiredBootstrapVersion, s.terminationProtection]),
    ).toEqual([
      ['/cdk-bootstrap/hnb659fds/version', 6, true],
      ['/cdk-bootstrap/hnb659fds/version', 6, false],
    ]);
  });
});

describe('the checks', () => {
  it('region: blocks on a missing service and names the regional lookups it did not make', () => {
    const facts = baseFacts();
    facts.regionServices = { kind: 'ok', value: ['lambda'] };
    const findings = checkRegionServices(planWith(), facts);
    expect(findings[0]).toMatchObject({
      level: 'BLOCKER',
      reason:
        'eu-central-1 does not offer cloudformation, cloudwatch, dynamodb, events, kms, logs, sqs, xray, which the stacks use',
    });
    expect(findings[1]).toEqual({
      check: 'region',
      level: 'INFO',
      reason: 'not checked: regional availability of ApplicationAutoScaling (not looked up)',
    });
  });

  it('concurrency: counts a denied reservation read as none, and says so', () => {
    const facts = baseFacts();
    facts.lambdaAccount = { kind: 'ok', value: { quota: 1000, unreserved: 920 } };
    facts.functionReservations = {
      'riskloop-test-worker': { kind: 'denied', action: 'lambda:GetFunctionConcurrency', message: 'denied' },
    };
    const findings = checkConcurrency(planWith(), facts);
    expect(findings.map((f) => `${f.level} ${f.reason}`)).toEqual([
      'OK the stacks reserve 80 of 1000 concurrent executions; 840 stay unreserved',
      'WARN could not read the reservation of riskloop-test-worker (counted as none): lambda:GetFunctionConcurrency denied',
    ]);
  });

  it('concurrency: blocks exactly when fewer than 100 would stay unreserved', () => {
    const at = (unreserved: number) => {
      const facts = baseFacts();
      facts.lambdaAccount = { kind: 'ok', value: { quota: 1000, unreserved } };
      return checkConcurrency(planWith(), facts)[0]?.level;
    };
    expect(at(180)).toBe('OK');
    expect(at(179)).toBe('BLOCKER');
  });

  describe('api-logging', () => {
    const role = 'arn:aws:iam::111122223333:role/riskloop-apigateway-logging-LoggingRole-AbC123';
    const withAccountStack = (roleName: string | undefined): [DeployPlan, Facts] => {
      const plan = buildPlan(
        [
          ...stacks,
          {
            stackName: 'riskloop-apigateway-logging',
            template: { Resources: { LoggingRole: { Type: 'AWS::IAM::Role' } } },
          },
        ],
        { ...config, apiGatewayCloudWatchRole: true },
        { dataStack: 'riskloop-test-data', accountStack: 'riskloop-apigateway-logging' },
      );
      const facts = baseFacts();
      facts.apiGatewayRoleArn = { kind: 'ok', value: role };
      facts.stacks['riskloop-apigateway-logging'] = roleName
        ? stack('CREATE_COMPLETE', {
            kind: 'ok',
            value: [
              {
                logicalId: 'LoggingRole',
                physicalId: roleName,
                type: 'AWS::IAM::Role',
                status: 'CREATE_COMPLETE',
              },
            ],
          })
        : { kind: 'ok', value: null };
      return [plan, facts];
    };

    it("is fine when riskloop-apigateway-logging already manages the account's role", () => {
      const [plan, facts] = withAccountStack('riskloop-apigateway-logging-LoggingRole-AbC123');
      expect(levels(checkApiGatewayLogging(plan, facts))).toEqual(['OK']);
    });

    it('warns before replacing a role someone else set', () => {
      const [plan, facts] = withAccountStack(undefined);
      expect(checkApiGatewayLogging(plan, facts)).toEqual([
        expect.objectContaining({
          level: 'WARN',
          reason: expect.stringContaining(`would replace the account's existing role ${role}`),
          fix: expect.stringContaining('-c apiGatewayCloudWatchRole=false'),
        }),
      ]);
    });

    it('is fine with the account role set and apiGatewayCloudWatchRole=false, or none set and true', () => {
      expect(levels(checkApiGatewayLogging(planWith(), baseFacts()))).toEqual(['OK']);
      const [plan, facts] = withAccountStack(undefined);
      facts.apiGatewayRoleArn = { kind: 'ok', value: null };
      expect(levels(checkApiGatewayLogging(plan, facts))).toEqual(['OK']);
    });
  });

  it.each([
    ['UPDATE_ROLLBACK_FAILED', 'BLOCKER', 'continue-update-rollback'],
    ['UPDATE_IN_PROGRESS', 'BLOCKER', 'wait until it ends'],
    ['DELETE_FAILED', 'BLOCKER', '--retain-resources'],
    ['ROLLBACK_FAILED', 'BLOCKER', 'delete-stack'],
    ['UPDATE_ROLLBACK_COMPLETE', 'OK', undefined],
    ['REVIEW_IN_PROGRESS', 'OK', undefined],
  ])('stacks: %s is %s', (status, level, fix) => {
    const facts = baseFacts();
    facts.stacks['riskloop-test-service'] = stack(status);
    const finding = checkStacks(planWith(), facts)[1];
    expect(finding?.level).toBe(level);
    if (fix) expect(finding?.fix).toContain(fix);
    else expect(finding?.fix).toBeUndefined();
  });

  it('iam: blocks when the new roles do not fit the quota, and does not count roles that already exist', () => {
    const facts = baseFacts();
    facts.iamRoles = { kind: 'ok', value: { roles: 1000, quota: 1000 } };
    expect(levels(checkIamRoles(planWith(), facts))).toEqual(['BLOCKER']);
    facts.stacks['riskloop-test-service'] = stack('UPDATE_COMPLETE', {
      kind: 'ok',
      value: [
        { logicalId: 'WorkerRole', physicalId: 'r', type: 'AWS::IAM::Role', status: 'UPDATE_COMPLETE' },
      ],
    });
    expect(checkIamRoles(planWith(), facts)[0]?.reason).toBe(
      'the deploy adds 0 IAM roles: 1000 of 1000 after it',
    );
  });
});

describe('resources and the import mapping', () => {
  const options = { importMappingFile: 'keys.json', contextArgs: ['-c stage=test'] };

  it('recognises the physical ids CloudFormation gives each type', () => {
    expect(identifies('riskloop-test-jobs', 'riskloop-test-jobs')).toBe(true);
    expect(
      identifies(
        'https://sqs.eu-central-1.amazonaws.com/111122223333/riskloop-test-jobs',
        'riskloop-test-jobs',
      ),
    ).toBe(true);
    expect(
      identifies('arn:aws:sns:eu-central-1:111122223333:riskloop-test-alarms', 'riskloop-test-alarms'),
    ).toBe(true);
    expect(identifies('riskloop-test-api|0a1b2c3d|REGIONAL', 'riskloop-test-api')).toBe(true);
    expect(identifies('riskloop-test-compliance|riskloop-test-rule', 'riskloop-test-rule')).toBe(true);
    expect(
      identifies(
        'https://sqs.eu-central-1.amazonaws.com/111122223333/riskloop-test-jobs-dlq',
        'riskloop-test-jobs',
      ),
    ).toBe(false);
  });

  it('maps the retained key through its alias and repeats the context in the next commands', () => {
    const plan = planWith();
    const facts = baseFacts();
    facts.resources = {
      'riskloop-test-data/Key1Alias': {
        kind: 'ok',
        value: { key: { keyId: 'k-1', state: { kind: 'ok', value: 'Enabled' } } },
      },
      'riskloop-test-data/Table1': { kind: 'ok', value: {} },
      'riskloop-test-data/Bus': { kind: 'ok', value: null },
    };
    const { findings, importMapping } = checkResources(plan, facts, options);
    expect(importMappingText(importMapping ?? {})).toBe(
      `${JSON.stringify(
        {
          Key1: { KeyId: 'k-1' },
          Key1Alias: { AliasName: 'alias/riskloop-test-storage' },
          Table1: { TableName: 'riskloop-test-profiles' },
        },
        null,
        2,
      )}\n`,
    );
    expect(findings.find((f) => f.level === 'BLOCKER')?.fix).toBe(
      'npx cdk import riskloop-test-data --resource-mapping keys.json -c stage=test (mapping written to keys.json; ' +
        'the mapping also imports riskloop-test-profiles left behind), then npx cdk deploy --all ' +
        '--import-existing-resources -c stage=test',
    );
  });

  it('blocks on an alias outside an existing data stack instead of writing a mapping', () => {
    const facts = baseFacts();
    facts.stacks['riskloop-test-data'] = stack('UPDATE_COMPLETE', { kind: 'ok', value: [] }, true);
    facts.resources = {
      'riskloop-test-data/Key1Alias': {
        kind: 'ok',
        value: { key: { keyId: 'k-9', state: { kind: 'ok', value: 'Enabled' } } },
      },
    };
    const { findings, importMapping } = checkResources(planWith(), facts, options);
    expect(importMapping).toBeUndefined();
    expect(findings.filter((f) => f.level === 'BLOCKER').map((f) => f.reason)).toEqual([
      'KMS alias alias/riskloop-test-storage already exists outside riskloop-test-data (it points to key k-9)',
    ]);
  });

  it('follows a resource that moves to a later stack, and blocks when it would move backwards', () => {
    const facts = baseFacts();
    facts.resources = { 'riskloop-test-service/WorkerLogs': { kind: 'ok', value: {} } };
    const heldBy = (stackName: string) => {
      facts.stacks = {
        'riskloop-test-data': { kind: 'ok', value: null },
        'riskloop-test-service': { kind: 'ok', value: null },
        [stackName]: stack('UPDATE_COMPLETE', {
          kind: 'ok',
          value: [
            {
              logicalId: 'OldLogs',
              physicalId: '/aws/lambda/riskloop-test-worker',
              type: 'AWS::Logs::LogGroup',
              status: 'UPDATE_COMPLETE',
            },
          ],
        }),
      };
      return checkResources(planWith(), facts, options).findings.filter(
        (f) => f.level !== 'OK' && !f.reason.startsWith('not checked'),
      );
    };
    expect(heldBy('riskloop-test-data')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        reason: expect.stringMatching(
          /^\/aws\/lambda\/riskloop-test-worker moves from riskloop-test-data to riskloop-test-service/,
        ),
      }),
    ]);
    const backwards = buildPlan([...stacks].reverse(), config, { dataStack: 'riskloop-test-data' });
    facts.stacks['riskloop-test-data'] = stack('UPDATE_COMPLETE', {
      kind: 'ok',
      value: [
        {
          logicalId: 'OldLogs',
          physicalId: '/aws/lambda/riskloop-test-worker',
          type: 'AWS::Logs::LogGroup',
          status: 'UPDATE_COMPLETE',
        },
      ],
    });
    expect(
      checkResources(backwards, facts, options).findings.filter((f) => f.level === 'BLOCKER'),
    ).toHaveLength(1);
  });

  it('warns instead of guessing when a stack that exists cannot be read', () => {
    const facts = baseFacts();
    facts.stacks['riskloop-test-service'] = {
      kind: 'denied',
      action: 'cloudformation:DescribeStacks',
      message: 'not authorized',
    };
    facts.resources = { 'riskloop-test-service/Queue': { kind: 'ok', value: {} } };
    const warnings = checkResources(planWith(), facts, options).findings.filter((f) => f.level === 'WARN');
    expect(warnings).toEqual([
      expect.objectContaining({
        reason: '1 resource exists under our names, but their stacks could not be read (riskloop-test-jobs)',
      }),
    ]);
  });

  it('builds nothing for a stack without leftovers', () => {
    expect(buildImportMapping(planWith(), [], [])).toEqual({});
  });
});

describe('the report', () => {
  const findings: Finding[] = [
    { check: 'identity', level: 'OK', reason: 'account 1 as arn' },
    { check: 'concurrency', level: 'BLOCKER', reason: 'too many reservations', fix: 'ask for more' },
    { check: 'resources', level: 'WARN', reason: 'leftover table', fix: 'deploy with import' },
    { check: 'resources', level: 'INFO', reason: 'not checked: 1 dashboard' },
  ];

  it('prints one line per finding, the fix under each WARN and BLOCKER, and the summary last', () => {
    const text = renderReport(
      { stage: 'dev', region: 'eu-west-1', account: '1', callerArn: 'arn' },
      findings,
    );
    expect(text).toBe(
      [
        'riskloop preflight: stage dev, account 1, region eu-west-1',
        'caller: arn',
        '',
        'OK       identity     account 1 as arn',
        'BLOCKER  concurrency  too many reservations',
        '                      fix: ask for more',
        'WARN     resources    leftover table',
        '                      fix: deploy with import',
        'INFO     resources    not checked: 1 dashboard',
        '',
        '1 blocker, 1 warning',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 only with a blocker', () => {
    expect(exitCode(findings)).toBe(1);
    expect(exitCode(findings.filter((f) => f.level !== 'BLOCKER'))).toBe(0);
    expect(summaryLine([])).toBe('0 blockers, 0 warnings');
  });
});
