import { describe, expect, it } from 'vitest';
import {
  ClusteringInputError,
  chooseK,
  clusterReport,
  kmeans,
  silhouette,
  standardise,
} from '../../shared/domain/clustering/index.js';
import { normalRandom, seededRandom } from '../../shared/domain/scoring/random.js';

/** Three well-separated blobs in original units (very different scales per column). */
const centres = [
  [1_000, 20, 0.1],
  [5_000, 60, 0.1],
  [1_000, 60, 0.9],
];
const spreads = [200, 3, 0.03];
function blobs(perBlob: number, seed: number): { points: number[][]; blob: number[] } {
  const normal = normalRandom(seededRandom(seed));
  const points: number[][] = [];
  const blob: number[] = [];
  centres.forEach((centre, b) => {
    for (let i = 0; i < perBlob; i++) {
      points.push(centre.map((c, j) => c + (spreads[j] as number) * normal()));
      blob.push(b);
    }
  });
  return { points, blob };
}

/** True when the clustering and the blobs partition the points identically (up to label names). */
const samePartition = (a: readonly number[], b: readonly number[]) => {
  const map = new Map<number, number>();
  return (
    a.every((x, i) => {
      const y = b[i] as number;
      if (!map.has(x)) map.set(x, y);
      return map.get(x) === y;
    }) && new Set(map.values()).size === map.size
  );
};

describe('kmeans', () => {
  const { points, blob } = blobs(60, 1);
  const { scaled } = standardise(points);

  it('separates three obvious blobs', () => {
    const result = kmeans(scaled, 3, { seed: 5 });
    expect(samePartition(result.assignment, blob)).toBe(true);
    expect(result.centroids).toHaveLength(3);
  });

  it('is deterministic for a seed', () => {
    expect(kmeans(scaled, 4, { seed: 9 })).toEqual(kmeans(scaled, 4, { seed: 9 }));
  });

  it('standardises columns to mean 0 and std 1', () => {
    const {
      scaled: s,
      means,
      stds,
    } = standardise([
      [1, 5],
      [3, 5],
    ]);
    expect(s).toEqual([
      [-1, 0],
      [1, 0],
    ]);
    expect(means).toEqual([2, 5]);
    expect(stds).toEqual([1, 1]);
  });

  it('rejects too few points and ragged input', () => {
    expect(() => kmeans([[1], [2]], 3)).toThrow(ClusteringInputError);
    expect(() => kmeans([[1], [2, 3]], 1)).toThrow(expect.objectContaining({ code: 'DIMENSION_MISMATCH' }));
  });
});

describe('silhouette', () => {
  it('matches a hand computation', () => {
    // Point 0: a = 1, b = 10.5; point 1: a = 1, b = 9.5; the other two mirror them.
    const expected = ((10.5 - 1) / 10.5 + (9.5 - 1) / 9.5) / 2;
    expect(silhouette([[0], [1], [10], [11]], [0, 0, 1, 1])).toBeCloseTo(expected, 6);
  });

  it('samples above the exact limit, deterministically and close to the exact value', () => {
    const { points, blob } = blobs(200, 2);
    const { scaled } = standardise(points);
    const exact = silhouette(scaled, blob);
    const sampled = silhouette(scaled, blob, { sampleSize: 150, seed: 3 });
    expect(sampled).toBe(silhouette(scaled, blob, { sampleSize: 150, seed: 3 }));
    expect(Math.abs(sampled - exact)).toBeLessThan(0.05);
  });

  it('needs at least two clusters', () => {
    expect(() => silhouette([[0], [1]], [0, 0])).toThrow(expect.objectContaining({ code: 'SINGLE_CLUSTER' }));
  });
});

describe('chooseK', () => {
  it('picks 3 for three blobs and reports every candidate', () => {
    const { scaled } = standardise(blobs(60, 3).points);
    const choice = chooseK(scaled);
    expect(choice.k).toBe(3);
    expect(choice.silhouette).toBeGreaterThan(0.7);
    expect(choice.candidates.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(Math.max(...choice.candidates.map((c) => c.silhouette))).toBe(choice.silhouette);
    expect(chooseK(scaled)).toEqual(choice);
  });

  it('chooses on a sample above the sample size, then clusters every point', () => {
    const { points, blob } = blobs(200, 6);
    const { scaled } = standardise(points);
    const choice = chooseK(scaled, [2, 3, 4, 5], { sampleSize: 90, seed: 2 });
    expect(choice.k).toBe(3);
    expect(choice.result.assignment).toHaveLength(600);
    expect(samePartition(choice.result.assignment, blob)).toBe(true);
  });
});

describe('clusterReport', () => {
  const { points, blob } = blobs(60, 4);
  const segments = Object.freeze(blob.map((b) => ['low', 'medium', 'high'][b] as string));

  it('profiles each cluster in original units beside the current segments', () => {
    const report = clusterReport(points, ['volume90d', 'ageOfAccount', 'cashShare'], segments);
    expect(report.k).toBe(3);
    expect(report.method).toBe('silhouette');
    expect(report.clusters.reduce((s, c) => s + c.size, 0)).toBe(180);
    for (const cluster of report.clusters) {
      // Each cluster is one blob, so it holds exactly one current segment.
      const mix = Object.entries(cluster.segmentMix).filter(([, n]) => n > 0);
      expect(mix).toHaveLength(1);
      expect(Object.keys(cluster.segmentMix).sort()).toEqual(['high', 'low', 'medium']);
      const b = ['low', 'medium', 'high'].indexOf(mix[0]?.[0] as string);
      expect(cluster.centroid.volume90d).toBeCloseTo(centres[b]?.[0] as number, -2);
      expect(cluster.centroid.cashShare).toBeCloseTo(centres[b]?.[2] as number, 1);
      const z = cluster.topFeatures.map((f) => Math.abs(f.zScore));
      expect(z).toEqual([...z].sort((x, y) => y - x));
    }
    // The 'medium' cluster stands out by its volume.
    const medium = report.clusters.find((c) => (c.segmentMix.medium ?? 0) > 0);
    expect(medium?.topFeatures[0]?.feature).toBe('volume90d');
  });

  it('is deterministic and accepts a fixed k', () => {
    const names = ['a', 'b', 'c'];
    expect(clusterReport(points, names, segments)).toEqual(clusterReport(points, names, segments));
    const fixed = clusterReport(points, names, segments, { k: 2 });
    expect(fixed.method).toBe('fixed');
    expect(fixed.clusters).toHaveLength(2);
    expect(fixed.clusters[0]?.size).toBeGreaterThanOrEqual(fixed.clusters[1]?.size ?? 0);
  });

  it('needs one segment per point', () => {
    expect(() => clusterReport(points, ['a', 'b', 'c'], ['low'])).toThrow(ClusteringInputError);
  });
});
