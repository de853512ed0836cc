import type { WorkflowEvent } from './schemas.js';

/**
 * Publishes workflow events to the compliance event bus. Resolves only when every event was
 * accepted; otherwise throws (an EventPublishError naming the events that were not), so the
 * caller can fail exactly the work whose events are missing and publish them again later.
 */
export interface WorkflowEventPublisher {
  publish(events: readonly WorkflowEvent[]): Promise<void>;
}

/** Some events were not accepted after retries; the others were. */
export class EventPublishError extends Error {
  constructor(readonly failedEventIds: readonly string[]) {
    super(`${failedEventIds.length} workflow event(s) were not published`);
    this.name = 'EventPublishError';
  }
}

/**
 * The events a committed decision still owes the bus, kept on the decision itself (a
 * transactional outbox): written with it, cleared once published. A redelivery, or the next
 * decision about the same customer, publishes what is still pending.
 */
export interface EventOutbox {
  /** Clears the pending events of `revision`; a no-op when the item moved on (its successor carries them). */
  markPublished(pseudonym: string, revision: number): Promise<void>;
}
