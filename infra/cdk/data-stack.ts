import { Aws, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { type KeyPurpose, keys, type TableName, type TableSpec, tables } from '../manifest.js';
import { type DeployConfig, names } from './config.js';
import { acknowledge, inPacks } from './nag.js';
import { appendOnlyTables, historyRewriteActions, keyContextApp, keyContextPurpose } from './permissions.js';

export interface DataStackProps extends StackProps {
  config: DeployConfig;
}

/**
 * What must outlive any deployment of the code: KMS keys and DynamoDB tables. Everything here is
 * retained on stack deletion and the stack itself has termination protection (docs/deploy.md,
 * "Teardown"). Derived from infra/manifest.ts: no table or key is listed here by hand.
 */
export class DataStack extends Stack {
  readonly tables = {} as Record<TableName, Table>;
  readonly keys = {} as Record<KeyPurpose, Key>;
  /** Encrypts tables, queues, the alarm topic and every log group at rest. */
  readonly storageKey: Key;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { stage } = props.config;

    this.storageKey = new Key(this, 'StorageKey', {
      alias: names.keyAlias(stage, 'storage'),
      description: `riskloop ${stage}: encryption at rest of tables, queues, alarm topic and log groups`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    this.allowLogsService(stage);
    // CloudWatch alarms publish to the KMS-encrypted alarm topic (documented key policy for SNS).
    this.storageKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );

    for (const [purpose, spec] of Object.entries(keys) as [KeyPurpose, { description: string }][]) {
      const key = new Key(this, `${pascal(purpose)}Key`, {
        alias: names.keyAlias(stage, purpose),
        description: `riskloop ${stage}: ${spec.description}`,
        // Symmetric key: AWS rotates its material yearly and keeps old material for decryption, so
        // wrapped secrets in the keyring stay readable. The MAC secret itself is versioned (k1, k2).
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
        pendingWindow: Duration.days(30),
      });
      // Only riskloop's own envelope operations, with its encryption context: a role that somehow
      // gained kms:Decrypt cannot use the key for anything else.
      for (const [contextKey, value] of [
        ['app', keyContextApp],
        ['purpose', keyContextPurpose[purpose]],
      ] as const) {
        key.addToResourcePolicy(
          new PolicyStatement({
            sid: `DenyWithout${pascal(contextKey)}Context`,
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
            resources: ['*'],
            conditions: { StringNotEquals: { [`kms:EncryptionContext:${contextKey}`]: value } },
          }),
        );
      }
      this.keys[purpose] = key;
    }

    for (const [name, spec] of Object.entries(tables) as [TableName, TableSpec][]) {
      this.tables[name] = this.table(stage, name, spec);
    }
  }

  private table(stage: string, name: TableName, spec: TableSpec): Table {
    const tableName = names.resource(stage, name);
    const appendOnly = appendOnlyTables.includes(name);
    const table = new Table(this, `${pascal(name)}Table`, {
      tableName,
      partitionKey: { name: spec.partitionKey, type: AttributeType.STRING },
      sortKey: spec.sortKey ? { name: spec.sortKey, type: AttributeType.STRING } : undefined,
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.storageKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: 35 },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: spec.ttlAttribute,
      // Append-only tables refuse item rewrites and deletes from every principal, admins included.
      resourcePolicy: appendOnly
        ? new PolicyDocument({
            statements: [
              new PolicyStatement({
                sid: 'AppendOnly',
                effect: Effect.DENY,
                principals: [new AnyPrincipal()],
                actions: historyRewriteActions,
                resources: [
                  this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName }),
                ],
              }),
            ],
          })
        : undefined,
    });
    for (const [indexName, index] of Object.entries(spec.globalIndexes ?? {})) {
      table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: index.sortKey ? { name: index.sortKey, type: AttributeType.STRING } : undefined,
        projectionType: ProjectionType.ALL,
      });
    }
    acknowledge(
      table,
      inPacks('DynamoDBInBackupPlan', 'hipaa', 'nist'),
      'Point-in-time recovery (35 days) is the backup. An AWS Backup plan would keep copies of deleted ' +
        'subject keys beyond that window and silently extend crypto-shredding (docs/data-protection.md); ' +
        'add one only with a retention that matches your erasure policy (docs/deploy.md).',
    );
    return table;
  }

  /** CloudWatch Logs encrypts riskloop's own log groups with the storage key, and no others. */
  private allowLogsService(stage: string): void {
    const group = (name: string) =>
      `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${name}`;
    this.storageKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchLogsForRiskloopLogGroups',
        principals: [new ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': [
              group(`/aws/lambda/riskloop-${stage}-*`),
              group(`/aws/apigateway/riskloop-${stage}-*`),
              group(`aws-waf-logs-riskloop-${stage}-*`),
              // API Gateway names execution log groups after the API id, unknown until deployment.
              group(`API-Gateway-Execution-Logs_*/${stage}`),
            ],
          },
        },
      }),
    );
  }
}

export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
