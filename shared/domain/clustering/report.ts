/**
 * Cluster report: what groups the data falls into by itself, set beside the segments the risk model
 * assigned. A discovery tool for compliance: it reads points and segments and changes nothing.
 */
import { ClusteringInputError, chooseK, type KCandidate, type KMeansOptions, standardise } from './kmeans.js';

export interface ClusterProfile {
  /** Clusters are numbered by size, largest first. */
  cluster: number;
  size: number;
  share: number;
  /** Mean of each feature in the cluster, in the feature's original units. */
  centroid: Record<string, number>;
  /** Features whose cluster mean lies furthest from the population mean, in standard deviations. */
  topFeatures: { feature: string; zScore: number; value: number }[];
  /** Current segment → number of the cluster's customers in it (every segment listed, 0 included). */
  segmentMix: Record<string, number>;
}

export interface ClusterReport {
  k: number;
  method: 'silhouette' | 'fixed';
  silhouette: number;
  /** Every k tried, with its mean silhouette and inertia. */
  candidates: KCandidate[];
  features: string[];
  clusters: ClusterProfile[];
}

export interface ClusterReportOptions extends KMeansOptions {
  /** Candidate k values; default 2..8. */
  kRange?: readonly number[];
  /** Use this k (>= 2) instead of choosing one. */
  k?: number;
  /** How many top features per cluster. Default 3. */
  topFeatures?: number;
  sampleSize?: number;
}

export function clusterReport(
  points: readonly (readonly number[])[],
  featureNames: readonly string[],
  currentSegments: readonly string[],
  options: ClusterReportOptions = {},
): ClusterReport {
  if (currentSegments.length !== points.length) {
    throw new ClusteringInputError('DIMENSION_MISMATCH', 'One current segment per point');
  }
  if (points.some((p) => p.length !== featureNames.length)) {
    throw new ClusteringInputError('DIMENSION_MISMATCH', `Every point needs ${featureNames.length} values`);
  }
  const { scaled, means, stds } = standardise(points);
  const fixed = options.k !== undefined;
  const chosen = chooseK(scaled, fixed ? [options.k as number] : options.kRange, options);
  const segments = [...new Set(currentSegments)].sort();
  const members = Array.from({ length: chosen.k }, () => [] as number[]);
  chosen.result.assignment.forEach((c, i) => {
    members[c]?.push(i);
  });
  const order = members
    .map((_, c) => c)
    .sort((a, b) => (members[b]?.length ?? 0) - (members[a]?.length ?? 0) || a - b);
  const clusters = order
    .filter((c) => (members[c]?.length ?? 0) > 0)
    .map((c, rank): ClusterProfile => {
      const rows = members[c] as number[];
      const centroid: Record<string, number> = {};
      const deviations = featureNames.map((feature, j) => {
        const value =
          rows.reduce((s, i) => s + ((points[i] as readonly number[])[j] as number), 0) / rows.length;
        centroid[feature] = value;
        return { feature, zScore: (value - (means[j] as number)) / (stds[j] as number), value };
      });
      const segmentMix = Object.fromEntries(segments.map((s) => [s, 0]));
      for (const i of rows)
        segmentMix[currentSegments[i] as string] = (segmentMix[currentSegments[i] as string] ?? 0) + 1;
      return {
        cluster: rank,
        size: rows.length,
        share: rows.length / points.length,
        centroid,
        topFeatures: deviations
          .sort((a, b) => Math.abs(b.zScore) - Math.abs(a.zScore) || (a.feature < b.feature ? -1 : 1))
          .slice(0, options.topFeatures ?? 3),
        segmentMix,
      };
    });
  return {
    k: chosen.k,
    method: fixed ? 'fixed' : 'silhouette',
    silhouette: chosen.silhouette,
    candidates: chosen.candidates,
    features: [...featureNames],
    clusters,
  };
}
