import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';

const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** BatchGetItem in chunks of 100, retrying unprocessed keys with a short backoff. */
export async function batchGet<T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keyName: string,
  keys: readonly string[],
  consistentRead = false,
  /** Only these attributes (names behind `#` placeholders go in `names`), to keep reads small. */
  projection?: { expression: string; names?: Record<string, string> },
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
            RequestItems: {
              [tableName]: {
                Keys: request,
                ConsistentRead: consistentRead,
                ...(projection
                  ? {
                      ProjectionExpression: projection.expression,
                      ...(projection.names ? { ExpressionAttributeNames: projection.names } : {}),
                    }
                  : {}),
              },
            },
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

/** Every item a Query matches, following LastEvaluatedKey. */
export async function queryAll<T>(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<T[]> {
  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as T[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * Parallel Scan: `segments` workers each read their share of the table; pages are yielded as
 * they arrive. Parallel segments are how DynamoDB scales a full-table read.
 */
export async function* parallelScan<T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: {
    segments?: number;
    projection?: string;
    /** A server-side filter: only matching items travel (the scan still reads, and pays for, every item). */
    filter?: string;
    names?: Record<string, string>;
    /** Read only this one segment of `of` (a re-segmentation shard); `segments` is then ignored. */
    shard?: { segment: number; of: number };
  } = {},
): AsyncIterable<T[]> {
  const segments = options.shard?.of ?? options.segments ?? 4;
  const mine = options.shard ? [options.shard.segment] : Array.from({ length: segments }, (_, s) => s);
  const queue: T[][] = [];
  let active = mine.length;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const worker = async (segment: number) => {
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await doc.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: segments,
            ExclusiveStartKey: startKey,
            ...(options.projection ? { ProjectionExpression: options.projection } : {}),
            ...(options.filter ? { FilterExpression: options.filter } : {}),
            ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
          }),
        );
        queue.push((page.Items ?? []) as T[]);
        wake?.();
        startKey = page.LastEvaluatedKey;
      } while (startKey && failure === undefined);
    } catch (error) {
      failure = error;
    } finally {
      active--;
      wake?.();
    }
  };
  for (const s of mine) void worker(s);
  while (active > 0 || queue.length > 0) {
    if (failure !== undefined) throw failure;
    const page = queue.shift();
    if (page) {
      if (page.length > 0) yield page;
      continue;
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  if (failure !== undefined) throw failure;
}
