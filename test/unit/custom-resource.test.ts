import type { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { runCustomResource } from '../../shared/http/custom-resource.js';

const event = {
  RequestType: 'Create',
  ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:riskloop-dev-initialiser',
  ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?signature=y',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/riskloop-dev-service/1',
  RequestId: 'req-1',
  LogicalResourceId: 'Initialisation',
  ResourceType: 'Custom::RiskloopInitialisation',
  ResourceProperties: { kekVersion: 'kek1' },
};
const logger = { error: vi.fn() } as unknown as Logger;
const context = (remainingMs = 60_000) => ({ getRemainingTimeInMillis: () => remainingMs });

/** Runs `work` and returns the one answer CloudFormation would receive. */
async function answerTo(
  work: Parameters<typeof runCustomResource>[3],
  input: unknown = event,
  remainingMs = 60_000,
): Promise<Record<string, unknown>> {
  const put = vi.fn(async (_url: string, _body: string) => {});
  await runCustomResource(input, context(remainingMs), logger, work, put);
  expect(put).toHaveBeenCalledTimes(1);
  expect(put.mock.calls[0]?.[0]).toBe(event.ResponseURL);
  return JSON.parse(put.mock.calls[0]?.[1] ?? '{}') as Record<string, unknown>;
}

describe('CloudFormation custom resource protocol', () => {
  it('answers SUCCESS with the physical id and data, echoing the request ids, hidden from describe calls', async () => {
    const answer = await answerTo(async () => ({
      physicalResourceId: 'riskloop-initialisation',
      data: { a: '1' },
    }));

    expect(answer).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'riskloop-initialisation',
      Data: { a: '1' },
      StackId: event.StackId,
      RequestId: 'req-1',
      LogicalResourceId: 'Initialisation',
      NoEcho: true,
    });
  });

  it('answers FAILED with the error name only; the detail stays in the log', async () => {
    const answer = await answerTo(async () => {
      throw new TypeError('secret detail arn:aws:kms:...');
    });

    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toBe("TypeError: see the function's log group (request req-1)");
    expect(JSON.stringify(answer)).not.toContain('secret detail');
  });

  it('answers FAILED before the function would time out, instead of leaving CloudFormation waiting', async () => {
    vi.useFakeTimers();
    try {
      const pending = answerTo(() => new Promise(() => {}), event, 8_000);
      await vi.advanceTimersByTimeAsync(3_000);
      const answer = await pending;
      expect(answer.Status).toBe('FAILED');
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses an event that is not a custom resource request, or answers anywhere but https', async () => {
    const work = vi.fn();
    await expect(runCustomResource({ hello: 1 }, context(), logger, work, vi.fn())).rejects.toThrow();
    await expect(
      runCustomResource(
        { ...event, ResponseURL: 'http://attacker.example/x' },
        context(),
        logger,
        work,
        vi.fn(),
      ),
    ).rejects.toThrow(/https/);
    expect(work).not.toHaveBeenCalled();
  });
});
