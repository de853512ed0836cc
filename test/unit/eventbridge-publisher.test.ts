import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge-publisher.js';
import {
  EventPublishError,
  eventsForSegmentDecision,
  type WorkflowEvent,
} from '../../shared/domain/events/index.js';
import type { Assignment } from '../../shared/domain/ports.js';
import { defaultPublishedModel } from '../../shared/domain/segmentation/published-model.js';

const ebMock = mockClient(EventBridgeClient);
const model = defaultPublishedModel().published;

/** `n` customers entering `high`: two events each (SegmentChanged, EnhancedDueDiligenceRequired). */
function events(n: number): WorkflowEvent[] {
  return Array.from({ length: n }, (_, i) =>
    eventsForSegmentDecision({
      assignment: {
        pseudonym: `k1.${String(i).padStart(43, 'B')}`,
        segment: 'high',
        modelSegment: 'high',
        score: 60,
        firedRules: [],
        reasonCodes: ['PEP'],
        missingVariables: [],
        modelId: 'aml-default',
        modelVersion: 1,
        policyRef: 'EDD',
        listsAsOf: {},
        inputDigest: `digest-${i}`,
        inputs: {
          profile: { customerType: 'individual', jurisdictions: [], attributes: {}, flags: {} },
          transactions: {},
          counterparties90d: {},
        },
        assignedAt: '2026-11-25T10:00:00.000Z',
        previousSegment: null,
        revision: 1,
      } satisfies Assignment,
      cause: 'profile',
      segmentFacts: (s) => model.segmentFacts?.(s),
      severityOf: (s) => model.severityOf(s),
      feedbackAllowed: false,
    }),
  ).flat();
}

const sentEntries = (): PutEventsRequestEntry[][] =>
  ebMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);

const publisher = () =>
  new EventBridgePublisher(new EventBridgeClient({}), 'riskloop-test-compliance', { baseDelayMs: 1 });

beforeEach(() => {
  ebMock.reset();
});

describe('EventBridgePublisher', () => {
  it('sends groups of at most 10 entries, each on the bus with source, detail type and JSON detail', async () => {
    // Prepare
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `id-${i}` })),
    }));
    const batch = events(12); // 24 events

    // Act
    await publisher().publish(batch);

    // Assess
    const calls = sentEntries();
    expect(calls.map((c) => c.length)).toEqual([10, 10, 4]);
    const first = calls[0]?.[0];
    expect(first).toMatchObject({
      EventBusName: 'riskloop-test-compliance',
      Source: 'riskloop',
      DetailType: 'SegmentChanged',
    });
    expect(JSON.parse(first?.Detail ?? '')).toEqual(batch[0]?.detail);
  });

  it('retries only the entries PutEvents refused, until they are accepted', async () => {
    // Prepare: the first call refuses entries 1 and 3 (throttled), the retry accepts them.
    const batch = events(2); // 4 events
    ebMock
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
          { EventId: 'c' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }, { EventId: 'd' }] });

    // Act
    await publisher().publish(batch);

    // Assess
    const calls = sentEntries();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.map((e) => JSON.parse(e.Detail ?? '{}').eventId)).toEqual([
      batch[1]?.detail.eventId,
      batch[3]?.detail.eventId,
    ]);
  });

  it('gives up after the last attempt and names the events still refused', async () => {
    // Prepare: the second entry is refused every time.
    const batch = events(1); // 2 events
    ebMock.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((_, i) =>
        i === input.Entries.length - 1 ? { ErrorCode: 'ThrottlingException' } : { EventId: 'ok' },
      ),
    }));

    // Act
    const error = await publisher()
      .publish(batch)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EventPublishError);
    expect((error as EventPublishError).failedEventIds).toEqual([batch[1]?.detail.eventId]);
    expect(sentEntries()).toHaveLength(4);
    // A retry sends the same ids: consumers dedupe on them.
    expect(
      new Set(
        sentEntries()
          .slice(1)
          .flat()
          .map((e) => JSON.parse(e.Detail ?? '{}').eventId),
      ),
    ).toEqual(new Set([batch[1]?.detail.eventId]));
  });

  it('sends nothing for no events', async () => {
    await publisher().publish([]);
    expect(sentEntries()).toEqual([]);
  });
});
