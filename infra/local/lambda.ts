import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type FunctionName, type FunctionSpec, functions, resourceName } from '../manifest.js';

// biome-ignore lint/suspicious/noExplicitAny: handlers have many event types; the runtime only relays them.
type Handler = (event: any, context: Context) => Promise<any>;

export class LambdaTimeoutError extends Error {
  constructor(fn: string, seconds: number) {
    super(`Task timed out after ${seconds} seconds (${fn})`);
    this.name = 'LambdaTimeoutError';
  }
}

/**
 * Loads handler modules exactly as Lambda does: one module instance per function ("container"),
 * initialised once (config validated, clients created) and reused for every invocation.
 */
export class LocalLambdas {
  private readonly loaded = new Map<FunctionName, Promise<Handler>>();

  constructor(
    private readonly root: string,
    private readonly stage: string,
    /** Told of every invocation's duration and outcome (local request metering). */
    private readonly observe?: (name: FunctionName, durationMs: number, failed: boolean) => void,
  ) {}

  /**
   * `container` selects a separate instance of the handler module (its own module-scope state, as
   * a separate Lambda execution environment has), for callers that invoke concurrently and must
   * not share per-invocation state such as a batch processor.
   */
  async invoke(name: FunctionName, event: unknown, container = 0): Promise<unknown> {
    const spec: FunctionSpec = functions[name];
    const handler = await this.load(name, container);
    const context = lambdaContext(resourceName(this.stage, name), spec);
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    let failed = true;
    try {
      const result = await Promise.race([
        handler(event, context),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new LambdaTimeoutError(name, spec.timeoutSeconds)),
            spec.timeoutSeconds * 1000,
          );
        }),
      ]);
      failed = false;
      return result;
    } finally {
      clearTimeout(timer);
      this.observe?.(name, performance.now() - started, failed);
    }
  }

  /** Imports every handler up front so a bad setting fails `npm start`, not the first request. */
  async loadAll(): Promise<void> {
    await Promise.all((Object.keys(functions) as FunctionName[]).map((name) => this.load(name)));
  }

  private load(name: FunctionName, container = 0): Promise<Handler> {
    const key = `${name}#${container}` as FunctionName;
    let pending = this.loaded.get(key);
    if (!pending) {
      const base = pathToFileURL(resolve(this.root, functions[name].entry)).href;
      // A distinct URL is a distinct ES module instance: a fresh "container" for this function.
      const url = container === 0 ? base : `${base}?container=${container}`;
      pending = import(url).then((mod: { handler?: Handler }) => {
        if (typeof mod.handler !== 'function')
          throw new Error(`${functions[name].entry} does not export handler`);
        return mod.handler;
      });
      this.loaded.set(key, pending);
    }
    return pending;
  }
}

function lambdaContext(functionName: string, spec: FunctionSpec): Context {
  const deadline = Date.now() + spec.timeoutSeconds * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
