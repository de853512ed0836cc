import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EventOutbox } from '../domain/events/ports.js';

/** The outbox lives on the assignment item: `pendingEvents` is written with the decision, removed here. */
export class DynamoEventOutbox implements EventOutbox {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly assignmentsTable: string,
  ) {}

  async markPublished(pseudonym: string, revision: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.assignmentsTable,
          Key: { pseudonym },
          UpdateExpression: 'REMOVE pendingEvents',
          // A newer revision carried these events forward and will clear them itself.
          ConditionExpression: 'revision = :revision',
          ExpressionAttributeValues: { ':revision': revision },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
