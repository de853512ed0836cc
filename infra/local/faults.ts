/**
 * Local-only fault switches for resilience tests, set through the runtime's admin endpoint
 * (`POST /faults`). They live in the stand-ins and the local event source, never in production
 * code, and are all off unless a test turns them on.
 */
export type KmsFault = 'none' | 'error500' | 'reset';
/**
 * throttle: every DynamoDB request of the handlers is answered ProvisionedThroughputExceededException;
 * throttle-data: every one but the authoriser's principals reads, so requests get past the authoriser.
 */
export type DynamoFault = 'none' | 'throttle' | 'throttle-data';

export interface LocalFaults {
  /** error500: every KMS request answers 500 KMSInternalException; reset: the connection is dropped. */
  kms: KmsFault;
  /**
   * Worker invocations of the segmentation queue that crash: each one runs the first half of its
   * batch (committing it), then throws before the rest, so nothing of the batch is deleted from
   * the queue. Counts down per invocation.
   */
  workerCrashes: number;
  /** Every worker invocation fails before doing anything, until cleared: messages end in the DLQ. */
  workerDown: boolean;
  /** Only with a runtime started for fault tests (RISKLOOP_FAULT_PROXIES=true): fault-proxy.ts. */
  dynamodb: DynamoFault;
  /**
   * Only with the fault proxies: each DynamoDB request of the handlers waits this long first (a slow
   * network), which spreads a request's writes out in time so a test can kill it between two of them.
   */
  dynamodbLatencyMs: number;
}

export const localFaults: LocalFaults = {
  kms: 'none',
  workerCrashes: 0,
  workerDown: false,
  dynamodb: 'none',
  dynamodbLatencyMs: 0,
};

/** Applies a partial update from the admin endpoint; unknown or ill-typed fields are refused. */
export function setLocalFaults(update: unknown): LocalFaults {
  if (typeof update !== 'object' || update === null) throw new Error('faults must be an object');
  const { kms, workerCrashes, workerDown, dynamodb, dynamodbLatencyMs, ...rest } = update as Record<
    string,
    unknown
  >;
  if (Object.keys(rest).length > 0) throw new Error(`unknown fault: ${Object.keys(rest).join(', ')}`);
  if (kms !== undefined) {
    if (kms !== 'none' && kms !== 'error500' && kms !== 'reset') throw new Error('kms: none|error500|reset');
    localFaults.kms = kms;
  }
  if (workerCrashes !== undefined) {
    if (!(Number.isInteger(workerCrashes) && (workerCrashes as number) >= 0))
      throw new Error('workerCrashes: a whole number');
    localFaults.workerCrashes = workerCrashes as number;
  }
  if (dynamodb !== undefined) {
    if (dynamodb !== 'none' && dynamodb !== 'throttle' && dynamodb !== 'throttle-data')
      throw new Error('dynamodb: none|throttle|throttle-data');
    localFaults.dynamodb = dynamodb;
  }
  if (dynamodbLatencyMs !== undefined) {
    if (
      !(
        Number.isInteger(dynamodbLatencyMs) &&
        (dynamodbLatencyMs as number) >= 0 &&
        (dynamodbLatencyMs as number) <= 5000
      )
    )
      throw new Error('dynamodbLatencyMs: a whole number of milliseconds, 0 to 5000');
    localFaults.dynamodbLatencyMs = dynamodbLatencyMs as number;
  }
  if (workerDown !== undefined) {
    if (typeof workerDown !== 'boolean') throw new Error('workerDown: true or false');
    localFaults.workerDown = workerDown;
  }
  return { ...localFaults };
}

/** True when this worker invocation must crash half-way; counts the fault down. */
export function takeWorkerCrash(): boolean {
  if (localFaults.workerCrashes <= 0) return false;
  localFaults.workerCrashes--;
  return true;
}

export class SimulatedCrashError extends Error {
  constructor() {
    super('simulated worker crash (local fault injection)');
    this.name = 'SimulatedCrashError';
  }
}
