import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type ErasureLedger, erasureEventId } from '../domain/privacy/erasure-ledger.js';

/** Erasures as the audit trail records them: one item per erased subject, in the subject's stream. */
export class DynamoErasureLedger implements ErasureLedger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly auditTable: string,
  ) {}

  async isErased(pseudonym: string): Promise<boolean> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.auditTable,
        Key: { stream: pseudonym, eventId: erasureEventId(pseudonym) },
        ProjectionExpression: 'eventId',
      }),
    );
    return out.Item !== undefined;
  }
}
