/**
 * What preflight learned from AWS, as plain data: the checks (checks/) read only this, never an SDK type,
 * so each can be tested with a literal. The adapter (gather.ts) fills it with read-only calls.
 */

/** The outcome of one read-only call: its value, or why there is none. */
export type Observed<T> =
  | { kind: 'ok'; value: T }
  /** The caller lacks `action` (an IAM action such as `dynamodb:DescribeTable`). */
  | { kind: 'denied'; action: string; message: string }
  /** Anything else (throttled past the retries, network, an unexpected answer). */
  | { kind: 'failed'; action: string; message: string };

export const ok = <T>(value: T): Observed<T> => ({ kind: 'ok', value });

export interface Identity {
  account: string;
  arn: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: taken from the caller's ARN, for the ARNs preflight builds. */
  partition: string;
}

/** A resource of a deployed stack, as ListStackResources reports it. */
export interface StackResourceFact {
  logicalId: string;
  physicalId: string;
  type: string;
  status: string;
}

export interface StackFact {
  status: string;
  terminationProtection: boolean;
  resources: Observed<StackResourceFact[]>;
}

/** A KMS key found through the alias that names it. */
export interface KeyFact {
  /** The alias's TargetKeyId (ListAliases). */
  keyId: string;
  /** DescribeKey's KeyState: Enabled, Disabled, PendingDeletion, PendingImport, Unavailable, ... */
  state: Observed<string>;
}

/** What exists under one of our static names. */
export interface ExistingResource {
  /** For a KMS alias: the key it points to. */
  key?: KeyFact;
}

export interface Facts {
  identity: Identity;
  region: string;
  /** Service ids offered in the region (SSM's global-infrastructure parameters). */
  regionServices: Observed<string[]>;
  /** Per bootstrap version parameter: its value, or null when the parameter does not exist. */
  bootstrap: Record<string, Observed<number | null>>;
  lambdaAccount: Observed<{ quota: number; unreserved: number }>;
  /** Reserved concurrency each of our functions that already exists holds (null: none). */
  functionReservations: Record<string, Observed<number | null>>;
  /** The account's API Gateway CloudWatch role (null: none set). */
  apiGatewayRoleArn: Observed<string | null>;
  /** Per stack of the assembly: its state, or null when it does not exist. */
  stacks: Record<string, Observed<StackFact | null>>;
  /** Per named resource (`<stack>/<logical id>`): what exists under its name, or null. */
  resources: Record<string, Observed<ExistingResource | null>>;
  iamRoles: Observed<{ roles: number; quota: number }>;
}

/** What gathering produced: every fact, or only who we are when the region cannot be used at all. */
export type Gathered =
  | { kind: 'complete'; facts: Facts }
  | { kind: 'region-disabled'; identity: Identity; region: string; message: string };
