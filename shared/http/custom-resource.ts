import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { z } from 'zod';

/**
 * CloudFormation's custom resource protocol, for functions the deployment itself runs: the event it sends
 * and the answer it waits for, a PUT of `{ Status, ... }` to the pre-signed `ResponseURL`. An answer is
 * always sent, success or failure, before the function's own timeout: without one, CloudFormation waits
 * until the resource's service timeout before failing the deploy.
 */
const responseUrl = z
  .string()
  .url()
  // The pre-signed S3 URL on AWS; the local runtime answers on loopback.
  .refine((u) => u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u), {
    message: 'must be https (or http on loopback)',
  });

export const customResourceEvent = z
  .object({
    RequestType: z.enum(['Create', 'Update', 'Delete']),
    ResponseURL: responseUrl,
    StackId: z.string().min(1).max(2048),
    RequestId: z.string().min(1).max(256),
    LogicalResourceId: z.string().min(1).max(256),
    ResourceType: z.string().min(1).max(256),
    PhysicalResourceId: z.string().max(1024).optional(),
    ResourceProperties: z.record(z.unknown()),
    OldResourceProperties: z.record(z.unknown()).optional(),
  })
  // CloudFormation may add fields (ServiceToken, ServiceTimeout); they carry nothing this code reads.
  .passthrough();

export type CustomResourceEvent = z.infer<typeof customResourceEvent>;

export interface CustomResourceResult {
  physicalResourceId: string;
  /** Returned to the template as `Fn::GetAtt` attributes: never a secret (NoEcho hides it from describe calls too). */
  data: Record<string, string>;
}

/** Time kept back from the function's timeout to send a failure in time. */
const answerMarginMs = 5_000;

/**
 * Runs `work` for a custom resource event and answers CloudFormation with its outcome. An event that is
 * not a custom resource event is refused (thrown): there is no URL to answer to.
 */
export async function runCustomResource(
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  logger: Logger,
  work: (event: CustomResourceEvent) => Promise<CustomResourceResult>,
  put: (url: string, body: string) => Promise<void> = putResponse,
): Promise<void> {
  const request = customResourceEvent.parse(event);
  let deadline: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<never>((_, reject) => {
    deadline = setTimeout(
      () => reject(new Error('ran out of time')),
      Math.max(1_000, context.getRemainingTimeInMillis() - answerMarginMs),
    );
  });
  let answer: Record<string, unknown>;
  try {
    const result = await Promise.race([work(request), outOfTime]);
    answer = { Status: 'SUCCESS', PhysicalResourceId: result.physicalResourceId, Data: result.data };
  } catch (error) {
    // The reason reaches the stack events: the error's name only; the detail stays in the function's log.
    logger.error('custom resource failed', { error, requestType: request.RequestType });
    const name = error instanceof Error ? error.name : 'Error';
    answer = {
      Status: 'FAILED',
      Reason: `${name}: see the function's log group (request ${request.RequestId})`,
      PhysicalResourceId: request.PhysicalResourceId ?? request.LogicalResourceId,
    };
  } finally {
    clearTimeout(deadline);
  }
  const body = JSON.stringify({
    ...answer,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    NoEcho: true,
  });
  await put(request.ResponseURL, body);
}

/** PUT to the pre-signed URL, as cfn-response does (an empty content type is part of the signature). */
async function putResponse(url: string, body: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
      if (response.ok) return;
      throw new Error(`response URL answered ${response.status}`);
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}
