import { Fn } from 'aws-cdk-lib';
import { type ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { type EventBusName, eventBuses, type KeyPurpose, keys, type TableName, tables } from '../manifest.js';
import { names } from './config.js';

/** Every KMS key of the data stack: the manifest's application keys and the storage key. */
export type DataKey = KeyPurpose | 'storage';

/** The data stack's output holding a key's ARN, e.g. `PseudonymisationKeyArn`. */
export const keyArnOutput = (key: DataKey) => `${key.charAt(0).toUpperCase()}${key.slice(1)}KeyArn`;

/**
 * The data stack's resources as the other stacks see them, with no CloudFormation export between the
 * stacks, so each updates on its own (an export in use cannot change or go; docs/deploy.md, "Stacks").
 * Tables and event buses have fixed names, so their ARNs are built from those names. KMS key ARNs hold
 * ids AWS generates; they travel as weak references (`Fn::GetStackOutput` of the data stack's
 * `<Purpose>KeyArn` outputs), read when the consuming stack deploys. Keys are retained and never
 * replaced, so the value a consumer read stays right.
 */
export class DataReferences extends Construct {
  readonly tables = {} as Record<TableName, ITable>;
  readonly eventBuses = {} as Record<EventBusName, IEventBus>;
  readonly keys = {} as Record<KeyPurpose, IKey>;
  readonly storageKey: IKey;

  constructor(scope: Construct, id: string, stage: string) {
    super(scope, id);
    const dataStack = names.stack(stage, 'data');
    const key = (k: DataKey) =>
      Key.fromKeyArn(this, `${k}Key`, Fn.getStackOutput(dataStack, keyArnOutput(k)));
    for (const name of Object.keys(tables) as TableName[]) {
      this.tables[name] = Table.fromTableName(this, `${name}Table`, names.resource(stage, name));
    }
    for (const name of Object.keys(eventBuses) as EventBusName[]) {
      this.eventBuses[name] = EventBus.fromEventBusName(this, `${name}Bus`, names.resource(stage, name));
    }
    for (const purpose of Object.keys(keys) as KeyPurpose[]) this.keys[purpose] = key(purpose);
    this.storageKey = key('storage');
  }
}
