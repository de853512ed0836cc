import { describe, expect, it } from 'vitest';
import { clusterSampleSize, populationClusterReport } from '../../shared/domain/clustering/index.js';
import type { Assignment } from '../../shared/domain/ports.js';
import { storedDecision } from '../helpers/fixtures.js';

const decision = (i: number) =>
  storedDecision(
    `k1.${String(i).padStart(43, 'C')}`,
    {
      profile: {
        customerType: 'individual',
        jurisdictions: ['DE'],
        attributes: { age: 20 + (i % 50), monthlyIncome: (i % 2) * 5000 + (i % 7) * 100 },
        flags: { pep: i % 5 === 0 },
      },
      transactions: { volume90d: (i % 3) * 1000 },
      counterparties90d: {},
    },
    {},
  );

/** Pages of 1,000 decisions, counting how many pages were read. */
function pagesOf(total: number) {
  const read = { pages: 0 };
  async function* pages(): AsyncIterable<Assignment[]> {
    for (let first = 0; first < total; first += 1000) {
      read.pages++;
      yield Array.from({ length: Math.min(1000, total - first) }, (_, i) => decision(first + i));
    }
  }
  return { pages: pages(), read };
}

describe('the cluster report job', () => {
  it('reads no more of the population than its sample, and reports progress while sampling', async () => {
    // Prepare: a population of 30,000, larger than the sample.
    const { pages, read } = pagesOf(30_000);
    const progress: string[] = [];

    // Act
    const report = await populationClusterReport(pages, {
      excluded: ['age', 'attributes.age'],
      k: 3,
      report: async (p) => void progress.push(`${p.phase} ${p.done}`),
    });

    // Assess
    expect(report.customers).toBe(clusterSampleSize);
    expect(read.pages).toBe(clusterSampleSize / 1000);
    expect(report.k).toBe(3);
    expect(report.features).not.toContain('attributes.age');
    expect(progress[0]).toBe('sampling 1000');
    expect(progress.at(-1)).toBe(`clustering ${clusterSampleSize}`);
  });

  it('refuses a population too small to cluster', async () => {
    await expect(
      populationClusterReport(pagesOf(5).pages, { excluded: [], report: async () => {} }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
