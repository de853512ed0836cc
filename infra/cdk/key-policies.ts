import { Aws } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  AnyPrincipal,
  Effect,
  PolicyDocument,
  PolicyStatement,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import {
  type EncryptionKeyPurpose,
  type FunctionName,
  type FunctionSpec,
  functions,
  type KeyAccess,
  type KeyPurpose,
  keys,
} from '../manifest.js';
import { names } from './config.js';
import { keyActions, keyContextApp, keyContextPurpose } from './permissions.js';

/**
 * Explicit key policies, one per key, instead of CDK's default (`kms:*` for the account, which lets any IAM
 * policy in the account grant any use of the key). Each says who administers the key, who uses it and for
 * what, and refuses grants that are not for an AWS resource (Control Tower CT.KMS.PR.3). The users are the
 * manifest's functions, named by their roles' paths through `aws:PrincipalArn` on the account principal: the
 * roles live in the service stack, which deploys after this one, so naming them directly would make the two
 * stacks depend on each other. docs/deploy.md, "Keys: who can decrypt what", is the readable version.
 */

/**
 * Key administration, for the account's principals that IAM allows it (the CloudFormation deployment role, a
 * break-glass administrator): never a cryptographic operation, never a grant (a grant is how a key's use is
 * handed on). Rotation can be switched on and rotated early, not switched off.
 */
export const keyAdministrationActions = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateKeyDescription',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:GetKeyRotationStatus',
  'kms:EnableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:ListKeyRotations',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** The role path of a manifest function (functions.ts): what a key policy names it by. */
export function functionRoleArnPattern(stage: string, fn: FunctionName): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role${names.rolePath(stage, fn)}*`;
}

function administration(): PolicyStatement {
  return new PolicyStatement({
    sid: 'Administration',
    principals: [new AccountRootPrincipal()],
    actions: keyAdministrationActions,
    resources: ['*'],
  });
}

/** CT.KMS.PR.3, word for word as the control checks it: grants only for AWS resources, or by AWS services. */
function grantsOnlyForAwsResources(): PolicyStatement {
  return new PolicyStatement({
    sid: 'GrantsOnlyForAwsResources',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/** One statement per access level the manifest grants on the key, for exactly the functions granted it. */
function functionUse(stage: string, purpose: KeyPurpose): PolicyStatement[] {
  const byAccess = new Map<KeyAccess, FunctionName[]>();
  for (const [name, spec] of Object.entries(functions) as [FunctionName, FunctionSpec][]) {
    const access = spec.keys?.[purpose];
    if (access) byAccess.set(access, [...(byAccess.get(access) ?? []), name]);
  }
  return [...byAccess].map(
    ([access, users]) =>
      new PolicyStatement({
        sid: `FunctionsMay${access.charAt(0).toUpperCase()}${access.slice(1)}`,
        principals: [new AccountRootPrincipal()],
        actions: keyActions[access],
        resources: ['*'],
        conditions: { ArnLike: { 'aws:PrincipalArn': users.map((fn) => functionRoleArnPattern(stage, fn)) } },
      }),
  );
}

/**
 * An application key (pseudonymisation, data keys): only the functions the manifest names, only with riskloop's
 * encryption context (a role that somehow gained kms:Decrypt cannot use the key for anything else).
 */
export function encryptionKeyPolicy(stage: string, purpose: EncryptionKeyPurpose): PolicyDocument {
  const contextDenials = (
    [
      ['app', keyContextApp],
      ['purpose', keyContextPurpose[purpose]],
    ] as const
  ).map(
    ([contextKey, value]) =>
      new PolicyStatement({
        sid: `DenyWithout${contextKey.charAt(0).toUpperCase()}${contextKey.slice(1)}Context`,
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringNotEquals: { [`kms:EncryptionContext:${contextKey}`]: value } },
      }),
  );
  return new PolicyDocument({
    statements: [
      administration(),
      grantsOnlyForAwsResources(),
      ...functionUse(stage, purpose),
      ...contextDenials,
    ],
  });
}

/**
 * The audit-signing key: the manifest's functions sign or verify; any principal of the account that IAM allows
 * may read the public key (an auditor checks checkpoints offline with it, docs/audit-trail.md).
 */
export function signingKeyPolicy(stage: string, purpose: KeyPurpose): PolicyDocument {
  if (keys[purpose].kind !== 'sign') throw new Error(`${purpose} is not a signing key`);
  return new PolicyDocument({
    statements: [
      administration(),
      grantsOnlyForAwsResources(),
      ...functionUse(stage, purpose),
      new PolicyStatement({
        sid: 'AccountMayReadPublicKey',
        principals: [new AccountRootPrincipal()],
        actions: ['kms:GetPublicKey'],
        resources: ['*'],
      }),
    ],
  });
}

/**
 * The storage key encrypts tables, queues, the alarm topic and log groups at rest. It is usable only through
 * those services, by this account's principals that IAM lets use them (functions, an operator inspecting a
 * dead-letter queue, a point-in-time restore): whoever may read a table reads it decrypted, so the table's
 * and queue's permissions are the access control, not this key. DynamoDB may create grants for its tables.
 * The log service, CloudWatch alarms (publishing to the encrypted topic) and EventBridge (sending failed
 * scheduled events to their encrypted dead-letter queues) use it as services, each only for riskloop's own.
 */
export function storageKeyPolicy(stage: string): PolicyDocument {
  const viaStorageServices = {
    'kms:CallerAccount': Aws.ACCOUNT_ID,
    'kms:ViaService': [`dynamodb.${Aws.REGION}.amazonaws.com`, `sqs.${Aws.REGION}.amazonaws.com`],
  };
  const group = (name: string) =>
    `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${name}`;
  return new PolicyDocument({
    statements: [
      administration(),
      grantsOnlyForAwsResources(),
      new PolicyStatement({
        sid: 'UseThroughDynamoDbAndSqs',
        principals: [new AccountRootPrincipal()],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: viaStorageServices },
      }),
      new PolicyStatement({
        sid: 'DynamoDbGrantsForTables',
        principals: [new AccountRootPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          StringEquals: { ...viaStorageServices, 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      }),
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
              // The VPC's flow logs, in private mode (network.ts).
              group(`/aws/vpc/riskloop-${stage}-*`),
              group(`aws-waf-logs-riskloop-${stage}-*`),
              // API Gateway names execution log groups after the API id, unknown until deployment.
              group(`API-Gateway-Execution-Logs_*/${stage}`),
            ],
          },
        },
      }),
      // CloudWatch alarms publish to the KMS-encrypted alarm topic (documented key policy for SNS).
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: 'AllowScheduleRulesToDeadLetterQueues',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/riskloop-${stage}-*`,
          },
        },
      }),
    ],
  });
}
