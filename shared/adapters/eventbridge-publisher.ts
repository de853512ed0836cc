import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { EventPublishError, type WorkflowEventPublisher } from '../domain/events/ports.js';
import type { WorkflowEvent } from '../domain/events/schemas.js';
import { chunk } from './dynamo-batch.js';

/** PutEvents takes at most 10 entries per call. */
const maxEntries = 10;

export interface EventBridgePublisherOptions {
  /** Calls per group, the first included (default 4). */
  attempts?: number;
  /** First backoff; doubles per retry, with jitter (default 50 ms). */
  baseDelayMs?: number;
}

/**
 * PutEvents in groups of 10. PutEvents is not all-or-nothing: `FailedEntryCount` and a per-entry
 * `ErrorCode` name what was refused (throttling, internal errors), so only those entries are sent
 * again, with backoff. Entries still failing after the last attempt raise an EventPublishError
 * naming their event ids; the accepted ones are not rolled back (consumers dedupe on eventId).
 */
export class EventBridgePublisher implements WorkflowEventPublisher {
  private readonly attempts: number;
  private readonly baseDelayMs: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    options: EventBridgePublisherOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 50;
  }

  async publish(events: readonly WorkflowEvent[]): Promise<void> {
    if (events.length === 0) return;
    const failed = (await Promise.all(chunk(events, maxEntries).map((group) => this.putGroup(group)))).flat();
    if (failed.length > 0) throw new EventPublishError(failed);
  }

  /** Returns the event ids still refused after the last attempt. */
  private async putGroup(group: WorkflowEvent[]): Promise<string[]> {
    let pending = group.map((event) => ({ eventId: event.detail.eventId, entry: this.entryOf(event) }));
    for (let attempt = 1; ; attempt++) {
      const out = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      // Results are positional: entry i of the response answers entry i of the request.
      const refused =
        (out.FailedEntryCount ?? 0) === 0 ? [] : pending.filter((_, i) => out.Entries?.[i]?.ErrorCode);
      if (refused.length === 0) return [];
      if (attempt >= this.attempts) return refused.map((p) => p.eventId);
      pending = refused;
      const delay = this.baseDelayMs * 2 ** (attempt - 1);
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
    }
  }

  private entryOf(event: WorkflowEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.detail.occurredAt),
    };
  }
}
