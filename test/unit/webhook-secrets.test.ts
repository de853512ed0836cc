import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebhookSecrets } from '../../shared/adapters/webhook-secrets.js';

/** A keyring table whose stored secret can be swapped, counting reads. */
function fakeKeyring() {
  const state = { secret: 'a', reads: 0 };
  const doc = {
    send: async () => {
      state.reads++;
      return {
        Item: {
          keyRef: 'webhook#riskloop',
          revision: 1,
          secrets: [{ id: state.secret, kekRef: 'k', box: {} }],
        },
      };
    },
  } as unknown as DynamoDBDocumentClient;
  const keys = {
    sealWithKek: async () => ({ kekRef: 'k', box: {} as never }),
    openWithKek: async (_ref: string, _box: unknown, context: string) =>
      Buffer.from(context.split(':').at(-1) ?? ''),
  };
  return { state, secrets: new WebhookSecrets(doc, 'keyring', keys, 60_000) };
}

afterEach(() => vi.useRealTimers());

describe('WebhookSecrets', () => {
  it('serves the cache, and a refresh reads again, at most once per 5 seconds', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z') });
    const { state, secrets } = fakeKeyring();
    const first = await secrets.active('riskloop');
    state.secret = 'b';
    expect(await secrets.active('riskloop')).toEqual(first);
    // Moments after the load: a refresh is refused (the cache is fresh), so garbage cannot force reads.
    expect(await secrets.active('riskloop', { refresh: true })).toEqual(first);
    expect(state.reads).toBe(1);

    vi.advanceTimersByTime(6_000);
    const refreshed = await secrets.active('riskloop', { refresh: true });
    expect(refreshed).not.toEqual(first);
    expect(state.reads).toBe(2);
    expect(await secrets.active('riskloop', { refresh: true })).toEqual(refreshed);
    expect(state.reads).toBe(2);
  });
});
