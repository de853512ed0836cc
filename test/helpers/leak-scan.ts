/**
 * The PII leak scan: given the personal data a test sent (names, emails, external ids, phone
 * numbers, comments), look for it in clear everywhere the system keeps or emits data: every item of
 * every DynamoDB table, every queue and DLQ body, the event log, the runtime's log file (handler log
 * lines and the gateway's access log, so an identifier in a URL counts too), any extra captured log
 * text and the HTTP responses the test collected. One helper, so every test that promises "no
 * personal data in clear" scans the same places the same way.
 */
import { readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { envNames, type TableName, tables } from '../../infra/manifest.js';
import { env, localDynamo } from './local.js';

export type Place = TableName | 'queues' | 'events' | 'logs' | 'responses';

export interface LeakScanOptions {
  /** Known personal data, by a name that says what it is; values shorter than 6 characters are refused. */
  needles: Record<string, string>;
  /** HTTP responses (bodies, or whole responses) collected during the run. */
  responses?: unknown[];
  /** More log text captured in the test process (e.g. handlers invoked in-process). */
  logs?: string;
  /**
   * Places allowed to hold a given needle, e.g. `{ pseudonym: ['audit', 'queues'] }` after an
   * erasure (the audit trail keeps decisions under the now unlinkable pseudonym).
   */
  allow?: Record<string, readonly Place[]>;
}

export interface LeakScanReport {
  /** `<needle> in <where>`; empty when nothing leaked. */
  hits: string[];
  /** What each source held, so a test can check the scan saw data at all. */
  seen: { tableItems: Record<string, number>; queueMessages: number; events: number; logBytes: number };
  /** The raw text of each source, for a test's own positive checks. */
  text: { tables: Record<string, string>; queues: string; events: string; logs: string };
}

/** Case-insensitive: an email or a name must not come back in another case either. */
const finder = (needles: Record<string, string>) => {
  const lowered = Object.entries(needles).map(([name, value]) => {
    if (value.length < 6) throw new Error(`leak scan needle ${name} is too short to be distinctive`);
    return [name, value.toLowerCase()] as const;
  });
  return (text: string) => {
    const haystack = text.toLowerCase();
    return lowered.filter(([, value]) => haystack.includes(value)).map(([name]) => name);
  };
};

/** Every item of a table, all attributes, nested values included (they serialise into the JSON). */
async function scanTable(doc: ReturnType<typeof localDynamo>, tableName: string) {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

export async function scanForLeaks(options: LeakScanOptions): Promise<LeakScanReport> {
  const find = finder(options.needles);
  const allowed = (needle: string, place: Place) => options.allow?.[needle]?.includes(place) ?? false;
  const hits: string[] = [];
  const { adminUrl } = inject('runtime');
  const tableText: Record<string, string> = {};
  const tableItems: Record<string, number> = {};

  const doc = localDynamo();
  try {
    for (const logical of Object.keys(tables) as TableName[]) {
      const physical = env()[envNames.table(logical)];
      if (!physical) throw new Error(`no table ${logical} in the runtime's environment`);
      const items = await scanTable(doc, physical);
      tableItems[logical] = items.length;
      const texts = items.map((item) => JSON.stringify(item));
      tableText[logical] = `[${texts.join(',')}]`;
      texts.forEach((text, i) => {
        for (const name of find(text)) {
          if (allowed(name, logical)) continue;
          hits.push(`${name} in table ${logical} (item ${i} of ${items.length})`);
        }
      });
    }
  } finally {
    doc.destroy();
  }

  const queueMessages = (await (await fetch(`${adminUrl}/queue-messages`)).json()) as {
    queueName: string;
    body: string;
    status: string;
  }[];
  for (const m of queueMessages)
    for (const name of find(m.body))
      if (!allowed(name, 'queues')) hits.push(`${name} in a ${m.status} message of queue ${m.queueName}`);

  const events = (await (await fetch(`${adminUrl}/events`)).json()) as { detailType?: string }[];
  for (const e of events)
    for (const name of find(JSON.stringify(e)))
      if (!allowed(name, 'events')) hits.push(`${name} in event ${e.detailType ?? '(unknown)'}`);

  const logs = `${readFileSync(inject('runtimeLogFile'), 'utf8')}\n${options.logs ?? ''}`;
  logs.split('\n').forEach((line, i) => {
    for (const name of find(line)) if (!allowed(name, 'logs')) hits.push(`${name} in log line ${i + 1}`);
  });

  (options.responses ?? []).forEach((response, i) => {
    const text = typeof response === 'string' ? response : JSON.stringify(response);
    for (const name of find(text ?? ''))
      if (!allowed(name, 'responses')) hits.push(`${name} in HTTP response ${i}`);
  });

  return {
    hits,
    seen: { tableItems, queueMessages: queueMessages.length, events: events.length, logBytes: logs.length },
    text: {
      tables: tableText,
      queues: JSON.stringify(queueMessages),
      events: JSON.stringify(events),
      logs,
    },
  };
}
