import type { TableShape, WireItem } from './write-billing.js';

/**
 * The items a DynamoDB write request touches, read from the request as DynamoDB Local receives it,
 * with the keys the metering proxy reads them back by (write-billing.ts bills them).
 */

/** Key attributes and indexes per physical table name, to read items around writes and bill them. */
export type TableShapes = Record<string, TableShape>;

/** One item a write request touches. */
export interface WriteTarget {
  table: string;
  key: WireItem;
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  /** The item a put writes. */
  item?: WireItem;
  factor: 1 | 2;
  /** A put on the condition that no item has its key. */
  absentIfWritten?: boolean;
}

/** The items a write request touches, with their keys (from the manifest's key attributes for puts). */
export function writeTargets(
  operation: string,
  input: Record<string, unknown>,
  shapes: TableShapes,
): WriteTarget[] {
  const keyOf = (table: string, item: WireItem): WireItem =>
    Object.fromEntries((shapes[table]?.keys ?? []).map((k) => [k, item[k]]));
  const table = String(input.TableName ?? 'unknown');
  switch (operation) {
    case 'PutItem': {
      const item = (input.Item ?? {}) as WireItem;
      return [
        { table, key: keyOf(table, item), kind: 'Put', item, factor: 1, ...absence(table, shapes, input) },
      ];
    }
    case 'UpdateItem':
    case 'DeleteItem':
      return [
        {
          table,
          key: (input.Key ?? {}) as WireItem,
          kind: operation === 'UpdateItem' ? 'Update' : 'Delete',
          factor: 1,
        },
      ];
    case 'BatchWriteItem':
      return Object.entries((input.RequestItems ?? {}) as Record<string, unknown[]>).flatMap(
        ([name, requests]) =>
          (requests as { PutRequest?: { Item: WireItem }; DeleteRequest?: { Key: WireItem } }[]).map(
            (r): WriteTarget =>
              r.PutRequest
                ? {
                    table: name,
                    key: keyOf(name, r.PutRequest.Item),
                    kind: 'Put',
                    item: r.PutRequest.Item,
                    factor: 1,
                  }
                : { table: name, key: r.DeleteRequest?.Key ?? {}, kind: 'Delete', factor: 1 },
          ),
      );
    case 'TransactWriteItems':
      return (
        (input.TransactItems ?? []) as Record<
          string,
          { TableName?: string; Item?: WireItem; Key?: WireItem }
        >[]
      ).flatMap((action) =>
        Object.entries(action).map(([kind, a]): WriteTarget => {
          const name = String(a.TableName);
          return {
            table: name,
            key: a.Item ? keyOf(name, a.Item) : (a.Key ?? {}),
            kind: kind as WriteTarget['kind'],
            ...(a.Item ? { item: a.Item } : {}),
            factor: 2,
          };
        }),
      );
    default:
      return [];
  }
}

/** Whether a put's condition is `attribute_not_exists` of one of its table's key attributes. */
function absence(
  table: string,
  shapes: TableShapes,
  request: { ConditionExpression?: unknown; ExpressionAttributeNames?: unknown },
): { absentIfWritten?: true } {
  const match = /^\s*attribute_not_exists\s*\(\s*([#\w]+)\s*\)\s*$/.exec(
    String(request.ConditionExpression ?? ''),
  );
  if (!match?.[1]) return {};
  const names = (request.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const attribute = match[1].startsWith('#') ? names[match[1]] : match[1];
  return attribute && shapes[table]?.keys.includes(attribute) ? { absentIfWritten: true } : {};
}

/** An item's identity within the stand-in: its table and the values of its key attributes. */
export const keyId = (table: string, item: WireItem, shapes: TableShapes) =>
  `${table}\u0000${JSON.stringify((shapes[table]?.keys ?? []).map((k) => item[k]))}`;
export const targetId = (target: WriteTarget, shapes: TableShapes) => keyId(target.table, target.key, shapes);
