import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Versioned documents (risk models, scoring models) share one table layout: PK `modelId`, SK a
 * zero-padded `versionKey` (so v10 sorts after v9), and one pointer item naming the version in use,
 * which makes "exactly one published" a single item rather than a scan.
 */
export const versionKey = (version: number) => `v${String(version).padStart(6, '0')}`;
export const pointerKey = { modelId: '#published', versionKey: '#' } as const;

export async function latestVersion(
  doc: DynamoDBDocumentClient,
  tableName: string,
  modelId: string,
): Promise<number> {
  const out = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'modelId = :m',
      ExpressionAttributeValues: { ':m': modelId },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  return Number(out.Items?.[0]?.version ?? 0);
}

export async function readPointer(
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<{ modelId: string; version: number } | undefined> {
  const out = await doc.send(new GetCommand({ TableName: tableName, Key: pointerKey, ConsistentRead: true }));
  return out.Item
    ? { modelId: String(out.Item.publishedModelId), version: Number(out.Item.version) }
    : undefined;
}

export async function readVersion<T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  modelId: string,
  version: number,
): Promise<T | undefined> {
  const out = await doc.send(
    new GetCommand({
      TableName: tableName,
      Key: { modelId, versionKey: versionKey(version) },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return undefined;
  const { versionKey: _key, ...stored } = out.Item;
  return stored as T;
}

export const pointerItem = (modelId: string, version: number) => ({
  ...pointerKey,
  publishedModelId: modelId,
  version,
});
