import type { StoredProfile, StoredTransaction } from '../../shared/domain/ports.js';
import { seededRandom } from '../../shared/domain/scoring/random.js';
import { defaultPublishedModel } from '../../shared/domain/segmentation/published-model.js';
import { planSegmentation } from '../../shared/domain/segmentation/segment-customer.js';
import { lawfulBasis } from '../helpers/fixtures.js';

const day = 86_400_000;

/**
 * An active customer base: everyone transacts, from a payment every few weeks to several a day,
 * with the mix of cash, crypto, cross-border and high-risk counterparties that makes the default
 * model's rules fire for some of them. 120 days of history before `now`.
 */
export function activePopulation(n: number, now: Date) {
  const rnd = seededRandom(42);
  const customers: { profile: StoredProfile; txns: StoredTransaction[] }[] = [];
  for (let i = 0; i < n; i++) {
    const corporate = rnd() < 0.1;
    const tier = rnd();
    const perDay = tier < 0.6 ? 0.05 + rnd() * 0.45 : tier < 0.9 ? 0.5 + rnd() * 2.5 : 3 + rnd() * 7;
    const median = corporate ? 2000 : 80;
    const cash = rnd() < 0.05 ? 0.6 : rnd() < 0.3 ? 0.2 : 0;
    const crypto = rnd() < 0.02 ? 0.4 : rnd() < 0.1 ? 0.05 : 0;
    const crossBorder = rnd() < 0.1 ? 0.2 : 0.01;
    const highRisk = rnd() < 0.03 ? 0.03 : 0;
    const pseudonym = `k1.${String(i).padStart(43, 'C')}`;
    const txns: StoredTransaction[] = [];
    for (let t = now.getTime() - 120 * day; ; ) {
      t += (-Math.log(1 - rnd()) / perDay) * day;
      if (t >= now.getTime()) break;
      const method = rnd() < cash ? 'cash' : rnd() < crypto ? 'crypto' : 'card';
      // Log-normal amounts; cash-heavy customers sometimes stay just under the reporting threshold.
      const amount =
        method === 'cash' && cash >= 0.6 && rnd() < 0.05
          ? 9000 + rnd() * 999
          : Math.round(median * Math.exp((rnd() + rnd() + rnd() - 1.5) * 1.6) * 100) / 100;
      const abroad = rnd() < crossBorder;
      txns.push({
        pseudonym,
        txnRef: `t${i}-${txns.length}`,
        contentDigest: '',
        amount,
        currency: 'EUR',
        amountEur: amount,
        fxAsOf: '2026-11-01',
        timestamp: new Date(t).toISOString(),
        direction: rnd() < 0.5 ? 'inbound' : 'outbound',
        ...(abroad ? { counterpartyCountry: rnd() < highRisk / crossBorder ? 'IR' : 'FR' } : {}),
        paymentMethod: method,
        expiresAt: 0,
      });
    }
    customers.push({
      profile: {
        pseudonym,
        macKeyVersion: 'k1',
        customerType: corporate ? 'corporate' : 'individual',
        jurisdictions: ['DE'],
        attributes: {},
        flags: { pep: rnd() < 0.01 },
        lawfulBasis,
        contentDigest: `c${i}`,
        version: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
      txns,
    });
  }
  return customers;
}

/**
 * Decides every customer of `population` as the segmentation worker does (default model, inputs
 * read afresh) and counts the decisions a daily run would queue the next day: `dueAt` within
 * 24 hours. `outcomeLookahead` 0 rechecks at the first input change (the policy before look-ahead).
 */
export async function dueNextDay(
  population: ReturnType<typeof activePopulation>,
  now: Date,
  outcomeLookahead?: number,
) {
  const { published: model } = defaultPublishedModel();
  const byPseudonym = new Map(population.map((c) => [c.profile.pseudonym, c]));
  const deps = {
    profiles: {
      getMany: async (keys: readonly string[]) =>
        new Map(keys.map((k) => [k, byPseudonym.get(k)?.profile as StoredProfile])),
    },
    transactions: {
      listSince: async (p: string, since: string) =>
        (byPseudonym.get(p)?.txns ?? []).filter((t) => t.timestamp >= since),
    },
    assignments: { get: async () => undefined },
    model,
    now: () => now,
    ...(outcomeLookahead === undefined ? {} : { outcomeLookahead }),
  };
  const tomorrow = new Date(now.getTime() + day).toISOString();
  let due = 0;
  let transactions = 0;
  const started = performance.now();
  for (const c of population) {
    const plan = await planSegmentation(
      { pseudonym: c.profile.pseudonym, cause: 'schedule', requestId: 'b' },
      deps,
    );
    if (plan.outcome === 'unchanged') throw new Error('a first decision cannot be unchanged');
    const { dueAt } = plan.assignment;
    if (dueAt !== null && dueAt !== undefined && dueAt <= tomorrow) due++;
    transactions += c.txns.filter(
      (t) => t.timestamp >= new Date(now.getTime() - 90 * day).toISOString(),
    ).length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { due, share: due / population.length, decisionsPerSec: population.length / seconds, transactions };
}
