import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';
import { type ReceiveDeps, receiveDelivery } from '../../shared/domain/feedback/receive.js';
import type { ClaimOutcome, DeliveryLog } from '../../shared/domain/feedback/store.js';
import { lawfulBasis } from '../helpers/fixtures.js';
import { InMemorySubjectDirectory } from '../helpers/subject-directory.js';

/**
 * A delivery id is claimed while the delivery is processed and only marked done once its effects are
 * stored; a failure releases it, so the sender's retry is processed instead of answered `duplicate`.
 */

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: Buffer.alloc(32, 7) });
const now = new Date('2026-12-07T10:00:00Z');

/** The delivery log's rules, in memory: in-progress claims expire, completed ones hold for the dedupe window. */
class MemoryDeliveryLog implements DeliveryLog {
  readonly items = new Map<string, { status: 'in-progress' | 'completed'; expiresAt: number }>();
  async claim(key: string, nowSeconds: number, inProgressSeconds: number): Promise<ClaimOutcome> {
    const existing = this.items.get(key);
    if (existing && existing.expiresAt >= nowSeconds) return existing.status;
    this.items.set(key, { status: 'in-progress', expiresAt: nowSeconds + inProgressSeconds });
    return 'claimed';
  }
  async complete(key: string, expiresAt: number): Promise<void> {
    this.items.set(key, { status: 'completed', expiresAt });
  }
  async release(key: string): Promise<void> {
    if (this.items.get(key)?.status === 'in-progress') this.items.delete(key);
  }
}

const withFeedback = {
  ...lawfulBasis,
  feedback: { basis: 'consent', recordedAt: '2026-01-01T00:00:00Z', source: 'app', version: 'v1' },
};

let deliveries: MemoryDeliveryLog;
let failQueue: boolean;
let stored: unknown[];
let subjects: InMemorySubjectDirectory;

function deps(): ReceiveDeps {
  return {
    providers: { riskloop: { kind: 'riskloop', name: 'riskloop' } },
    secrets: { active: async () => [secret] },
    deliveries,
    feedback: { put: async (item) => void stored.push(item) },
    counters: { add: async () => {} },
    profiles: {
      getMany: async (ps) =>
        new Map(ps.map((p) => [p, { pseudonym: p, lawfulBasis: withFeedback, attributes: {} } as never])),
    },
    assignments: { get: async () => undefined },
    keys: { pseudonymiser: async () => pseudonymiser, subjectKeys: async () => new Map() },
    queue: {
      enqueue: async () => {
        if (failQueue) throw new Error('SQS unavailable');
      },
    },
    rejections: { rejected: () => {} },
    subjects,
  };
}

function signed(webhookId: string) {
  const rawBody = JSON.stringify({
    type: 'survey.response',
    surveyId: 'nps',
    respondent: { externalId: 'C-1' },
    submittedAt: now.toISOString(),
    nps: 9,
  });
  return {
    headers: {
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(webhookId, now, rawBody),
    },
    rawBody,
    requestId: `req-${webhookId}`,
    now,
  };
}

beforeEach(() => {
  deliveries = new MemoryDeliveryLog();
  failQueue = false;
  stored = [];
  subjects = new InMemorySubjectDirectory();
  subjects.pseudonymOf(pseudonymiser, 'C-1');
});

describe('webhook delivery claims', () => {
  it('marks a delivery done only after its effects are stored; a replay is then a duplicate', async () => {
    const first = await receiveDelivery('riskloop', signed('msg_1'), deps());
    const replay = await receiveDelivery('riskloop', signed('msg_1'), deps());

    expect(first.status).toBe('linked');
    expect(replay.status).toBe('duplicate');
    expect(deliveries.items.get('riskloop#msg_1')?.status).toBe('completed');
    expect(stored).toHaveLength(1);
  });

  it('releases the claim when processing fails, so the sender’s retry is processed, not a duplicate', async () => {
    failQueue = true;
    await expect(receiveDelivery('riskloop', signed('msg_2'), deps())).rejects.toThrow('SQS unavailable');
    failQueue = false;

    const retry = await receiveDelivery('riskloop', signed('msg_2'), deps());

    expect(retry.status).toBe('linked');
  });

  it('answers a delivery being processed right now with 409, so the sender tries again later', async () => {
    await deliveries.claim('riskloop#msg_3', Math.floor(now.getTime() / 1000), 60);

    await expect(receiveDelivery('riskloop', signed('msg_3'), deps())).rejects.toMatchObject({
      status: 409,
      code: 'DELIVERY_IN_PROGRESS',
    });
  });
});

describe('deliveries refused for their signature', () => {
  it('are counted, not audited, and claim nothing', async () => {
    const counted: string[] = [];
    const forged = { ...signed('msg_4'), rawBody: '{"type":"survey.response","tampered":true}' };

    await expect(
      receiveDelivery('riskloop', forged, {
        ...deps(),
        rejections: { rejected: (provider, reason) => void counted.push(`${provider}:${reason}`) },
      }),
    ).rejects.toMatchObject({ status: 401 });

    expect(counted).toEqual(['riskloop:SIGNATURE_INVALID']);
    expect(deliveries.items.size).toBe(0);
  });
});
