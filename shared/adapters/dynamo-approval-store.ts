import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { ApprovalRequest, ApprovalStatus, ApprovalStore } from '../domain/approvals/approval.js';
import { decodeCursor, encodeCursor } from '../domain/paging.js';
import type { AuditEvent } from '../domain/ports.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import { auditPut } from './dynamo-audit-log.js';
import { transactUnits } from './dynamo-transact.js';

/** Statuses a new request of the same id may replace: the maker asks again after an end without effect. */
const replaceable: ApprovalStatus[] = ['rejected', 'withdrawn', 'stale', 'expired', 'failed'];

/** Kept 400 days, like jobs: the audit trail keeps every decision for good. */
const retentionSeconds = 400 * 86_400;

/** Only pending requests carry `open`: the sparse index lists exactly those, oldest first. */
const openMarker = 'pending';

/**
 * Four-eyes requests, one item each, written in one transaction with their audit record, so no
 * request or decision exists without its record.
 */
export class DynamoApprovalStore implements ApprovalStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly audit: AuditChainWriter | undefined,
  ) {}

  async create(request: ApprovalRequest, audit: AuditEvent): Promise<boolean> {
    return this.write(request, audit, {
      ConditionExpression:
        'attribute_not_exists(approvalId) OR #status IN (:r0, :r1, :r2, :r3, :r4) OR (#status = :pending AND expiresAt <= :now)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...Object.fromEntries(replaceable.map((s, i) => [`:r${i}`, s])),
        ':pending': 'pending',
        ':now': request.requestedAt,
      },
    });
  }

  async get(approvalId: string): Promise<ApprovalRequest | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { approvalId }, ConsistentRead: true }),
    );
    return out.Item ? requestOf(out.Item) : undefined;
  }

  async update(request: ApprovalRequest, from: ApprovalStatus, audit: AuditEvent): Promise<boolean> {
    return this.write(request, audit, {
      ConditionExpression: '#status = :previous',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':previous': from },
    });
  }

  async pending(
    now: Date,
    limit: number,
    cursor?: string,
  ): Promise<{ items: ApprovalRequest[]; cursor?: string }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'open',
        // Expired requests nobody decided keep the marker until their item goes; the key condition skips them.
        KeyConditionExpression: '#open = :open AND expiresAt > :now',
        ExpressionAttributeNames: { '#open': 'open' },
        ExpressionAttributeValues: { ':open': openMarker, ':now': now.toISOString() },
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, openCursor) } : {}),
      }),
    );
    const next = out.LastEvaluatedKey as z.infer<typeof openCursor> | undefined;
    return { items: (out.Items ?? []).map(requestOf), ...(next ? { cursor: encodeCursor(next) } : {}) };
  }

  private async write(
    request: ApprovalRequest,
    audit: AuditEvent,
    condition: {
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    const chain = this.audit;
    if (!chain) throw new Error('This function has no audit table: it may not record approvals');
    const item: Record<string, unknown> = {
      ...request,
      retainUntil: Math.floor(Date.parse(request.requestedAt) / 1000) + retentionSeconds,
      ...(request.status === 'pending' ? { open: openMarker } : {}),
    };
    const [outcome] = await transactUnits(
      this.doc,
      [[{ TableName: this.tableName, Item: item, ...condition }, auditPut(chain.tableName, audit)]],
      chain,
    );
    return outcome?.written ?? false;
  }
}

const openCursor = z.object({ approvalId: z.string(), open: z.string(), expiresAt: z.string() }).strict();

function requestOf(item: Record<string, unknown>): ApprovalRequest {
  const { retainUntil: _retain, open: _open, ...request } = item;
  return request as unknown as ApprovalRequest;
}
