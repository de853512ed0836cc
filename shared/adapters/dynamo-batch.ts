import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** BatchGetItem in chunks of 100, retrying unprocessed keys with a short backoff. */
export async function batchGet<T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keyName: string,
  keys: readonly string[],
  consistentRead = false,
): Promise<T[]> {
  const unique = [...new Set(keys)];
  const pages = await Promise.all(
    chunk(unique, 100).map(async (part) => {
      const found: T[] = [];
      let request: Record<string, unknown>[] | undefined = part.map((k) => ({ [keyName]: k }));
      for (let attempt = 0; request && request.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const out = await doc.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: request, ConsistentRead: consistentRead } },
          }),
        );
        found.push(...((out.Responses?.[tableName] ?? []) as T[]));
        request = out.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined;
        if (attempt > 8 && request?.length) throw new Error('BatchGetItem kept returning unprocessed keys');
      }
      return found;
    }),
  );
  return pages.flat();
}

export { chunk };
