import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { inject } from 'vitest';
import type { Role } from '../../infra/manifest.js';

const state = () => inject('runtime');

/** Calls the local API as a role. */
export async function api(
  role: Role | 'none',
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
): Promise<{ status: number; body: any; headers: Headers }> {
  const { apiUrl, credentials } = state();
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      ...(role === 'none' ? {} : { authorization: `Bearer ${credentials[role]}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

const clientConfig = () => ({
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

export const localDynamoClient = () =>
  new DynamoDBClient({ ...clientConfig(), endpoint: state().endpoints.dynamodb });
export const localDynamo = () => DynamoDBDocumentClient.from(localDynamoClient());
export const localSqs = () => new SQSClient({ ...clientConfig(), endpoint: state().endpoints.sqs });
export const env = () => state().env;

/**
 * Starts a job (a POST answered 202) and follows GET /v1/jobs/{jobId} until it ends: the answer to the
 * POST and the ended job. A POST answered otherwise (a 400) comes back with no job.
 */
export async function jobOf(
  role: Role,
  path: string,
  body: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
): Promise<{ started: Awaited<ReturnType<typeof api>>; job: any }> {
  const started = await api(role, 'POST', path, body);
  if (started.status !== 202) return { started, job: undefined };
  const job = await eventually(async () => {
    const read = await api('analyst', 'GET', `/v1/jobs/${started.body.jobId}`);
    return ['succeeded', 'failed', 'cancelled'].includes(read.body.status) ? read.body : undefined;
  }, 90_000);
  return { started, job };
}

/** Polls `probe` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function kmsStats(): Promise<Record<string, number>> {
  const res = await fetch(state().adminUrl);
  return ((await res.json()) as { kms: Record<string, number> }).kms;
}

export { lawfulBasis } from './fixtures.js';

/** A unique run prefix so tests sharing the one local system never collide. */
export const runId = () => Math.random().toString(36).slice(2, 8);

/**
 * Delivers a survey webhook to the local system, signed with the reference Standard Webhooks library
 * (not riskloop's own code), and returns the status and JSON answer.
 */
export async function deliverSigned(
  provider: string,
  secret: string,
  payload: unknown,
  webhookId = `msg_${randomUUID()}`,
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
): Promise<{ status: number; body: any }> {
  const at = new Date();
  const body = JSON.stringify(payload);
  const res = await fetch(`${state().apiUrl}/v1/webhooks/surveys/${provider}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(webhookId, at, body),
    },
    body,
  });
  return { status: res.status, body: await res.json() };
}
