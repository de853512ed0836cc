import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Assignment, AssignmentStore, AuditEvent } from '../domain/ports.js';
import { auditPut } from './dynamo-audit-log.js';

export class DynamoAssignmentStore implements AssignmentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly auditTableName: string | undefined,
  ) {}

  async get(pseudonym: string): Promise<Assignment | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pseudonym }, ConsistentRead: true }),
    );
    return out.Item as Assignment | undefined;
  }

  async commit(assignment: Assignment, audit: AuditEvent): Promise<'committed' | 'conflict'> {
    if (!this.auditTableName)
      throw new Error('This function has no audit table: it may not write assignments');
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: assignment,
                ConditionExpression:
                  assignment.revision === 1 ? 'attribute_not_exists(pseudonym)' : 'revision = :previous',
                ...(assignment.revision === 1
                  ? {}
                  : { ExpressionAttributeValues: { ':previous': assignment.revision - 1 } }),
              },
            },
            { Put: auditPut(this.auditTableName, audit) },
          ],
        }),
      );
      return 'committed';
    } catch (error) {
      if (error instanceof TransactionCanceledException) return 'conflict';
      throw error;
    }
  }

  async countBySegment(segments: readonly string[]): Promise<Record<string, number>> {
    const counts = await Promise.all(
      segments.map(async (segment) => {
        let count = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: 'bySegment',
              KeyConditionExpression: '#segment = :s',
              ExpressionAttributeNames: { '#segment': 'segment' },
              ExpressionAttributeValues: { ':s': segment },
              Select: 'COUNT',
              ExclusiveStartKey: startKey,
            }),
          );
          count += page.Count ?? 0;
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        return [segment, count] as const;
      }),
    );
    return Object.fromEntries(counts);
  }
}
