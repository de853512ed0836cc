import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  loadProviderConfigs,
  mapDelivery,
  resolveProvider,
  verifyWebhook,
} from '../../shared/domain/feedback/index.js';
import { deriveThemes } from '../../shared/domain/feedback/themes.js';
import { type BenchResult, compare, throughput } from './measure.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const key = Buffer.from(secret.slice(6), 'base64');
const payload = JSON.stringify({
  type: 'survey.response',
  surveyId: 'onboarding-nps',
  respondent: { externalId: 'C-1001' },
  submittedAt: '2026-11-20T10:00:00Z',
  nps: 4,
  comment: 'The selfie check failed twice and my account was blocked for a day.',
});

/**
 * Per delivery: riskloop's verification (header parsing, tolerance, constant-time compare over
 * every active secret) plus mapping and theme derivation, against one raw HMAC-SHA256 check of
 * the same signed content. Storage and linking are I/O, measured by the end-to-end suite.
 */
export async function run(): Promise<BenchResult[]> {
  const now = new Date();
  const id = 'msg_bench';
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, now, payload),
  };
  const expected = Buffer.from((headers['webhook-signature'] as string).split(',')[1] as string, 'base64');
  const provider = resolveProvider(loadProviderConfigs(), 'riskloop');
  const baseline = await throughput('raw HMAC-SHA256 verification', () => {
    const mac = createHmac('sha256', key).update(`${id}.${headers['webhook-timestamp']}.${payload}`).digest();
    if (!timingSafeEqual(mac, expected)) throw new Error('mismatch');
  });
  const subject = await throughput('verify + parse + map + themes', () => {
    const verified = verifyWebhook({ headers, rawBody: payload, secrets: [secret], now });
    const delivery = mapDelivery(provider, JSON.parse(payload), verified.id);
    if (delivery.kind === 'response' && delivery.response.comment) deriveThemes(delivery.response.comment);
  });
  return [compare('webhook delivery processing vs raw HMAC verification', baseline, subject, 0.1)];
}
