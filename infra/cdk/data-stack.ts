import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeyUsage, KeySpec as KmsKeySpec } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  type EncryptionKeyPurpose,
  type EventBusName,
  type EventBusSpec,
  eventBuses,
  type KeyPurpose,
  type KeySpec,
  keys,
  type TableName,
  type TableSpec,
  tables,
} from '../manifest.js';
import { pointInTimeRecoveryDays } from '../retention.js';
import { type DeployConfig, dynamoAutoScalingTargetPercent, names } from './config.js';
import { type DataKey, keyArnOutput } from './data-references.js';
import { encryptionKeyPolicy, signingKeyPolicy, storageKeyPolicy } from './key-policies.js';
import { acknowledge, inPacks } from './nag.js';
import { appendOnlyTables, historyRewriteActions } from './permissions.js';
import { kept, keptEvenOnFailedCreate } from './removal.js';

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
  readonly eventBuses = {} as Record<EventBusName, EventBus>;
  /** Encrypts tables, queues, the alarm topic and every log group at rest. */
  readonly storageKey: Key;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { stage } = props.config;

    this.storageKey = new Key(this, 'StorageKey', {
      description: `riskloop ${stage}: encryption at rest of tables, queues, alarm topic and log groups`,
      enableKeyRotation: true,
      policy: storageKeyPolicy(stage),
      // The retained tables are encrypted with it: it must outlive even a failed first create.
      removalPolicy: keptEvenOnFailedCreate,
      pendingWindow: Duration.days(30),
    });
    keptAlias(this.storageKey, names.keyAlias(stage, 'storage'), keptEvenOnFailedCreate);

    for (const [purpose, spec] of Object.entries(keys) as [KeyPurpose, KeySpec][]) {
      if (spec.kind === 'sign') {
        this.keys[purpose] = this.signingKey(stage, purpose, spec);
        continue;
      }
      const key = new Key(this, `${pascal(purpose)}Key`, {
        description: `riskloop ${stage}: ${spec.description}`,
        // Symmetric key: AWS rotates its material yearly and keeps old material for decryption, so
        // wrapped secrets in the keyring stay readable. The MAC secret itself is versioned (k1, k2).
        enableKeyRotation: true,
        // Only the manifest's functions, only riskloop's envelope operations with its encryption context.
        policy: encryptionKeyPolicy(stage, purpose as EncryptionKeyPurpose),
        removalPolicy: kept,
        pendingWindow: Duration.days(30),
      });
      keptAlias(key, names.keyAlias(stage, purpose));
      this.keys[purpose] = key;
    }

    for (const [name, spec] of Object.entries(tables) as [TableName, TableSpec][]) {
      this.tables[name] = this.table(props.config, name, spec);
    }
    // What the other stacks read with Fn::GetStackOutput (infra/cdk/data-references.ts): key ARNs only.
    for (const [name, key] of [['storage', this.storageKey], ...Object.entries(this.keys)] as [
      DataKey,
      Key,
    ][]) {
      new CfnOutput(this, keyArnOutput(name), { value: key.keyArn, description: `ARN of the ${name} key` });
    }
    for (const [name, spec] of Object.entries(eventBuses) as [EventBusName, EventBusSpec][]) {
      this.eventBuses[name] = this.eventBus(stage, name, spec);
    }
  }

  /**
   * Event buses live here, not in the service stack: consumers' rules attach to the bus by name, and
   * its archive is the replayable history of workflow events, so neither may go with a redeploy of
   * the code. Events carry no personal data in clear (docs/events.md); encryption at rest is EventBridge's.
   */
  private eventBus(stage: string, name: EventBusName, spec: EventBusSpec): EventBus {
    const busName = names.resource(stage, name);
    const bus = new EventBus(this, `${pascal(name)}Bus`, {
      eventBusName: busName,
      description: `riskloop ${stage}: ${spec.description}`,
    });
    bus.applyRemovalPolicy(kept);
    const archive = bus.archive(`${pascal(name)}Archive`, {
      archiveName: busName,
      description: `Every event on ${busName}, kept ${spec.archiveRetentionDays} days for replay`,
      // Everything published on this bus (an archive needs a pattern; the account matches all of it).
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(spec.archiveRetentionDays),
    });
    archive.applyRemovalPolicy(kept);
    return bus;
  }

  /**
   * An asymmetric signing key (ECC_NIST_P256, ECDSA_SHA_256). Its private half never leaves KMS, so only a
   * role granted kms:Sign can produce a signature, while anyone given the public key can check one offline.
   */
  private signingKey(stage: string, purpose: KeyPurpose, spec: KeySpec): Key {
    const key = new Key(this, `${pascal(purpose)}Key`, {
      description: `riskloop ${stage}: ${spec.description}`,
      keySpec: KmsKeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      // KMS cannot rotate asymmetric keys. Replacing one is a new key (and public key) for new checkpoints;
      // this one stays, retained, so every checkpoint it ever signed remains verifiable.
      enableKeyRotation: false,
      policy: signingKeyPolicy(stage, purpose),
      removalPolicy: kept,
      pendingWindow: Duration.days(30),
    });
    keptAlias(key, names.keyAlias(stage, purpose));
    return key;
  }

  private table(config: DeployConfig, name: TableName, spec: TableSpec): Table {
    const tableName = names.resource(config.stage, name);
    const provisioned = config.dynamoCapacity === 'provisioned';
    const appendOnly = appendOnlyTables.includes(name);
    const table = new Table(this, `${pascal(name)}Table`, {
      tableName,
      partitionKey: { name: spec.partitionKey, type: AttributeType.STRING },
      sortKey: spec.sortKey ? { name: spec.sortKey, type: AttributeType.STRING } : undefined,
      ...(provisioned
        ? {
            billingMode: BillingMode.PROVISIONED,
            readCapacity: config.dynamoMinUnits,
            writeCapacity: config.dynamoMinUnits,
          }
        : { billingMode: BillingMode.PAY_PER_REQUEST }),
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.storageKey,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: pointInTimeRecoveryDays,
      },
      deletionProtection: true,
      removalPolicy: keptEvenOnFailedCreate,
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
    const indexes = {
      ...(config.keepRetiredIndexes ? spec.retiredIndexes : {}),
      ...spec.globalIndexes,
    };
    for (const [indexName, index] of Object.entries(indexes)) {
      table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: index.sortKey ? { name: index.sortKey, type: AttributeType.STRING } : undefined,
        ...(index.project
          ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.project] }
          : { projectionType: ProjectionType.ALL }),
        ...(provisioned ? { readCapacity: config.dynamoMinUnits, writeCapacity: config.dynamoMinUnits } : {}),
      });
    }
    if (provisioned) this.autoScale(table, Object.keys(indexes), config);
    acknowledge(
      table,
      inPacks('DynamoDBInBackupPlan', 'hipaa', 'nist'),
      'Point-in-time recovery (35 days) is the backup. An AWS Backup plan would keep copies of deleted ' +
        'subject keys beyond that window and silently extend crypto-shredding (docs/data-protection.md); ' +
        'add one only with a retention that matches your erasure policy (docs/deploy.md).',
    );
    return table;
  }

  /** Provisioned mode: reads and writes of the table and of each index follow the load. */
  private autoScale(table: Table, indexNames: readonly string[], config: DeployConfig): void {
    const range = { minCapacity: config.dynamoMinUnits, maxCapacity: config.dynamoMaxUnits };
    const target = { targetUtilizationPercent: dynamoAutoScalingTargetPercent };
    table.autoScaleReadCapacity(range).scaleOnUtilization(target);
    table.autoScaleWriteCapacity(range).scaleOnUtilization(target);
    for (const indexName of indexNames) {
      table.autoScaleGlobalSecondaryIndexReadCapacity(indexName, range).scaleOnUtilization(target);
      table.autoScaleGlobalSecondaryIndexWriteCapacity(indexName, range).scaleOnUtilization(target);
    }
  }
}

/**
 * A key's alias, kept with its key: after a teardown it still says which retained key held which
 * purpose, which is what preflight reads to write the `cdk import` mapping (docs/deploy.md).
 */
function keptAlias(key: Key, aliasName: string, policy = kept): void {
  key.addAlias(aliasName).applyRemovalPolicy(policy);
}

export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
