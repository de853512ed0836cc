import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EventBridgeServer, startEventBridgeServer } from '../../infra/local/eventbridge-server.js';

let dir: string;
let server: EventBridgeServer;
let client: EventBridgeClient;
const bus = 'riskloop-test-compliance';

const entry = (detail: unknown, over: Record<string, unknown> = {}) => ({
  EventBusName: bus,
  Source: 'riskloop',
  DetailType: 'SegmentChanged',
  Detail: typeof detail === 'string' ? detail : JSON.stringify(detail),
  ...over,
});

async function start() {
  server = await startEventBridgeServer({ dataDir: dir });
  client = new EventBridgeClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'riskloop-eb-'));
  await start();
  await client.send(new CreateEventBusCommand({ Name: bus, Description: 'test bus' }));
});
afterEach(async () => {
  client.destroy();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('local EventBridge endpoint', () => {
  it('accepts events with an EventId each and logs them (memory and JSON lines)', async () => {
    // Act
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ n: 1 }, { Time: new Date('2026-11-25T10:00:00Z') }),
          entry({ n: 2 }, { DetailType: 'KycReviewDue' }),
        ],
      }),
    );

    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    expect(server.events().map((e) => [e['detail-type'], e.detail, e.eventBusName])).toEqual([
      ['SegmentChanged', { n: 1 }, bus],
      ['KycReviewDue', { n: 2 }, bus],
    ]);
    expect(server.events()[0]?.time).toBe('2026-11-25T10:00:00Z');
    expect(server.events({ detailType: 'KycReviewDue' })).toHaveLength(1);
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(out.Entries?.map((e) => e.EventId));
  });

  it('answers per-entry errors as EventBridge does, accepting the rest', async () => {
    // Act
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          entry('[1,2]'),
          entry('not json'),
          entry({ ok: true }),
          entry({ ok: true }, { EventBusName: 'no-such-bus' }),
          entry({ ok: true }, { Source: '' }),
        ],
      }),
    );

    // Assess
    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'accepted')).toEqual([
      'MalformedDetail',
      'MalformedDetail',
      'accepted',
      'NotFoundException',
      'InvalidArgument',
    ]);
    expect(server.events()).toHaveLength(1);
  });

  it('refuses more than 10 entries or more than 256 KB in one call', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => entry({ i }));
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const big = entry({ pad: 'x'.repeat(256 * 1024) });
    await expect(client.send(new PutEventsCommand({ Entries: [big] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(server.events()).toEqual([]);
  });

  it('creates and describes buses; a second create of the same name fails', async () => {
    expect((await client.send(new DescribeEventBusCommand({ Name: bus }))).Arn).toMatch(
      /event-bus\/riskloop-test/,
    );
    await expect(client.send(new CreateEventBusCommand({ Name: bus }))).rejects.toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    await expect(client.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('keeps the log across a restart', async () => {
    // Prepare
    await client.send(new PutEventsCommand({ Entries: [entry({ kept: true })] }));

    // Act
    client.destroy();
    await server.close();
    await start();

    // Assess
    expect(server.events().map((e) => e.detail)).toEqual([{ kept: true }]);
  });
});
