/**
 * Load on loopback with autocannon, bounded (three levels of a few seconds per route): customer
 * ingestion and signed survey webhooks at rising concurrency until errors appear or p99 climbs.
 * Prints the table and writes it to test-artifacts/load.md; docs/resilience.md quotes one run.
 * No timing is asserted (the machine is shared): only that the reported level had zero errors.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';
import { describe, expect, inject, it } from 'vitest';
import { api, lawfulBasis, runId } from '../helpers/local.js';

const levels = [1, 4, 16];
const secondsPerLevel = 4;
/** p99 this many times the single-connection p99 counts as "climbing": the rise stops there. */
const climb = 5;
const recordsPerRequest = 10;

interface Level {
  connections: number;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measure(
  path: string,
  connections: number,
  request: () => { body: string; headers: Record<string, string> },
): Promise<Level> {
  const result = await autocannon({
    url: `${inject('runtime').apiUrl}${path}`,
    connections,
    duration: secondsPerLevel,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const { body, headers } = request();
          return {
            ...req,
            body,
            headers: { ...req.headers, 'content-type': 'application/json', ...headers },
          };
        },
      },
    ],
  });
  return {
    connections,
    requests: result.requests.total,
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** Rising concurrency; stops after the first level with errors or a climbing p99. */
async function rise(path: string, request: () => { body: string; headers: Record<string, string> }) {
  const measured: Level[] = [];
  for (const connections of levels) {
    const level = await measure(path, connections, request);
    measured.push(level);
    const base = measured[0] as Level;
    if (level.errors > 0 || level.p99 > climb * Math.max(base.p99, 1)) break;
  }
  const clean = measured.filter((l) => l.errors === 0);
  const reported = clean.reduce<Level | undefined>(
    (best, l) => (!best || l.reqPerSec > best.reqPerSec ? l : best),
    undefined,
  );
  return { measured, reported };
}

const tables: string[] = [];
function report(title: string, unit: string, perRequest: number, run: Awaited<ReturnType<typeof rise>>) {
  const rows = run.measured.map(
    (l) =>
      `| ${l.connections} | ${l.requests} | ${l.reqPerSec} | ${l.reqPerSec * perRequest} | ${l.p50} | ${l.p99} | ${l.errors} |${l === run.reported ? ' ← reported' : ''}`,
  );
  tables.push(
    [
      `### ${title}`,
      '',
      `| connections | requests | requests/s | ${unit}/s | p50 ms | p99 ms | errors (non-2xx) |`,
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
}

describe('load on loopback', () => {
  it('ingests customers at rising concurrency with zero errors at the reported level', async () => {
    // Prepare: every request carries new externalIds, so each one does the full ingestion work.
    const id = runId();
    let n = 0;
    const request = () => ({
      headers: { authorization: `Bearer ${inject('runtime').credentials.ingest}` },
      body: JSON.stringify({
        records: Array.from({ length: recordsPerRequest }, () => ({
          externalId: `L-${id}-${n++}`,
          type: 'individual',
          jurisdictions: ['NL'],
          lawfulBasis,
        })),
      }),
    });

    // Act
    const run = await rise('/v1/customers', request);

    // Assess
    report(
      `POST /v1/customers (${recordsPerRequest} new customers per request)`,
      'customers',
      recordsPerRequest,
      run,
    );
    expect(run.reported?.errors).toBe(0);
    expect(run.reported?.requests).toBeGreaterThan(0);
  }, 60_000);

  it('accepts signed survey webhooks at rising concurrency with zero errors at the reported level', async () => {
    // Prepare: a signing secret and a few consenting customers to answer for.
    const secret = (await api('admin', 'POST', '/v1/webhooks/surveys/riskloop/secrets', {})).body
      .secret as string;
    const id = runId();
    const respondents = Array.from({ length: 20 }, (_, i) => `LW-${id}-${i}`);
    const consent = { basis: 'consent', recordedAt: '2026-01-01T00:00:00Z', source: 'app', version: 'v1' };
    const ingested = await api('ingest', 'POST', '/v1/customers', {
      records: respondents.map((externalId) => ({
        externalId,
        type: 'individual',
        jurisdictions: ['DE'],
        lawfulBasis: { ...lawfulBasis, feedback: consent },
      })),
    });
    expect(ingested.status).toBe(207);
    const webhook = new Webhook(secret);
    let n = 0;
    const request = () => {
      const body = JSON.stringify({
        type: 'survey.response',
        surveyId: 'load-nps',
        respondent: { externalId: respondents[n++ % respondents.length] },
        submittedAt: new Date().toISOString(),
        nps: n % 11,
      });
      const msgId = `msg_${randomUUID()}`;
      const at = new Date();
      return {
        body,
        headers: {
          'webhook-id': msgId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': webhook.sign(msgId, at, body),
        },
      };
    };

    // Act
    const run = await rise('/v1/webhooks/surveys/riskloop', request);

    // Assess
    report('POST /v1/webhooks/surveys/riskloop (one signed delivery per request)', 'deliveries', 1, run);
    expect(run.reported?.errors).toBe(0);
    expect(run.reported?.requests).toBeGreaterThan(0);

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const text = [
      `Load on loopback, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpu}), Node ${process.version}, ${secondsPerLevel} s per level`,
      '',
      ...tables,
    ].join('\n');
    process.stdout.write(`\n${text}\n`);
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/load.md', `${text}\n`);
  }, 60_000);
});
