/**
 * k-means clustering as a discovery tool: on standardised variables, k chosen by the best mean
 * silhouette, cluster profiles set beside the customers' current segments. Nothing here changes a
 * segment. Seeded k-means++ initialisation and a fixed tie-breaking order make every result
 * reproducible from its seed.
 */
import { AppError } from '../../errors.js';
import { seededRandom, shuffled } from '../scoring/random.js';

type Points = readonly (readonly number[])[];

export type ClusteringInputErrorCode =
  | 'TOO_FEW_POINTS'
  | 'DIMENSION_MISMATCH'
  | 'NON_FINITE_VALUE'
  | 'SINGLE_CLUSTER';

export class ClusteringInputError extends AppError {
  declare readonly code: ClusteringInputErrorCode;
  constructor(code: ClusteringInputErrorCode, message: string) {
    super(422, code, message);
    this.name = 'ClusteringInputError';
  }
}

export interface KMeansOptions {
  /** Default 1. */
  seed?: number;
  /** Lloyd iterations per run. Default 100. */
  maxIterations?: number;
  /** Independent k-means++ starts; the lowest inertia wins. Default 4. */
  restarts?: number;
}

export interface KMeansResult {
  k: number;
  centroids: number[][];
  assignment: number[];
  /** Sum of squared distances to the assigned centroid. */
  inertia: number;
  iterations: number;
}

function checkPoints(points: Points, minPoints: number): number {
  if (points.length < minPoints)
    throw new ClusteringInputError('TOO_FEW_POINTS', `At least ${minPoints} points needed`);
  const d = points[0]?.length ?? 0;
  for (const p of points) {
    if (p.length !== d) throw new ClusteringInputError('DIMENSION_MISMATCH', `Every point needs ${d} values`);
    if (!p.every(Number.isFinite)) throw new ClusteringInputError('NON_FINITE_VALUE', 'Non-finite value');
  }
  return d;
}

const squaredDistance = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += ((a[j] as number) - (b[j] as number)) ** 2;
  return s;
};

/** z-scores per column (population std; constant columns get std 1 and become 0). */
export function standardise(points: Points): { scaled: number[][]; means: number[]; stds: number[] } {
  const d = checkPoints(points, 1);
  const n = points.length;
  const means = Array.from({ length: d }, (_, j) => points.reduce((s, p) => s + (p[j] as number), 0) / n);
  const stds = means.map((m, j) => {
    const sd = Math.sqrt(points.reduce((s, p) => s + ((p[j] as number) - m) ** 2, 0) / n);
    return sd > 1e-12 ? sd : 1;
  });
  const scaled = points.map((p) => p.map((v, j) => (v - (means[j] as number)) / (stds[j] as number)));
  return { scaled, means, stds };
}

function nearest(
  point: readonly number[],
  centroids: readonly number[][],
): [index: number, distance: number] {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  centroids.forEach((c, i) => {
    const dist = squaredDistance(point, c);
    if (dist < bestDistance) [best, bestDistance] = [i, dist];
  });
  return [best, bestDistance];
}

function plusPlus(points: Points, k: number, random: () => number): number[][] {
  const centroids = [[...(points[Math.floor(random() * points.length)] as number[])]];
  const distances = points.map((p) => squaredDistance(p, centroids[0] as number[]));
  while (centroids.length < k) {
    const total = distances.reduce((a, b) => a + b, 0);
    let index = 0;
    if (total > 0) {
      let target = random() * total;
      while (index < points.length - 1 && target >= (distances[index] as number))
        target -= distances[index++] as number;
    } else index = centroids.length; // all points coincide with a centroid: any point will do
    const centre = [...(points[index] as number[])];
    centroids.push(centre);
    points.forEach((p, i) => {
      distances[i] = Math.min(distances[i] as number, squaredDistance(p, centre));
    });
  }
  return centroids;
}

function lloyd(points: Points, initial: number[][], maxIterations: number): KMeansResult {
  const k = initial.length;
  const d = points[0]?.length ?? 0;
  let centroids = initial;
  let assignment = new Array<number>(points.length).fill(-1);
  let iterations = 0;
  for (let changed = true; changed && iterations < maxIterations; iterations++) {
    changed = false;
    const next = points.map((p) => nearest(p, centroids)[0]);
    if (next.some((c, i) => c !== assignment[i])) changed = true;
    assignment = next;
    const sums = Array.from({ length: k }, () => new Array<number>(d).fill(0));
    const sizes = new Array<number>(k).fill(0);
    points.forEach((p, i) => {
      const c = assignment[i] as number;
      sizes[c] = (sizes[c] as number) + 1;
      p.forEach((v, j) => {
        (sums[c] as number[])[j] = ((sums[c] as number[])[j] as number) + v;
      });
    });
    centroids = sums.map((s, c) => ((sizes[c] as number) > 0 ? s.map((v) => v / (sizes[c] as number)) : s));
    for (let c = 0; c < k; c++) {
      if (sizes[c] !== 0) continue;
      // Empty cluster: restart it at the point farthest from its centroid.
      let far = 0;
      let farDistance = -1;
      points.forEach((p, i) => {
        const dist = squaredDistance(p, centroids[assignment[i] as number] as number[]);
        if (dist > farDistance) [far, farDistance] = [i, dist];
      });
      centroids[c] = [...(points[far] as number[])];
      assignment[far] = c;
      changed = true;
    }
  }
  const inertia = points.reduce(
    (s, p, i) => s + squaredDistance(p, centroids[assignment[i] as number] as number[]),
    0,
  );
  return { k, centroids, assignment, inertia, iterations };
}

export function kmeans(points: Points, k: number, options: KMeansOptions = {}): KMeansResult {
  const { seed = 1, maxIterations = 100, restarts = 4 } = options;
  if (!Number.isInteger(k) || k < 1)
    throw new ClusteringInputError('TOO_FEW_POINTS', 'k must be a positive integer');
  checkPoints(points, k);
  const random = seededRandom(seed);
  let best: KMeansResult | undefined;
  for (let run = 0; run < Math.max(1, restarts); run++) {
    const result = lloyd(points, plusPlus(points, k, random), maxIterations);
    if (best === undefined || result.inertia < best.inertia) best = result;
  }
  return best as KMeansResult;
}

/** Euclidean distances among the sample, full square matrix (float32 is ample for a silhouette). */
function distanceMatrix(sample: Points): Float32Array {
  const m = sample.length;
  const distance = new Float32Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      const dist = Math.sqrt(squaredDistance(sample[a] as number[], sample[b] as number[]));
      distance[a * m + b] = dist;
      distance[b * m + a] = dist;
    }
  }
  return distance;
}

function silhouetteFromDistances(distance: Float32Array, labels: readonly number[]): number {
  const m = labels.length;
  const k = Math.max(...labels) + 1;
  const sizes = new Array<number>(k).fill(0);
  for (const l of labels) sizes[l] = (sizes[l] as number) + 1;
  if (sizes.filter((s) => s > 0).length < 2)
    throw new ClusteringInputError('SINGLE_CLUSTER', 'Need two clusters');
  const sums = new Float64Array(k);
  let total = 0;
  for (let a = 0; a < m; a++) {
    sums.fill(0);
    for (let b = 0; b < m; b++)
      sums[labels[b] as number] = (sums[labels[b] as number] as number) + (distance[a * m + b] as number);
    const own = labels[a] as number;
    if ((sizes[own] as number) === 1) continue; // a singleton's silhouette is 0
    const within = (sums[own] as number) / ((sizes[own] as number) - 1);
    let between = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      if (c !== own && (sizes[c] as number) > 0)
        between = Math.min(between, (sums[c] as number) / (sizes[c] as number));
    }
    const scale = Math.max(within, between);
    total += scale > 0 ? (between - within) / scale : 0;
  }
  return total / m;
}

function sampleIndices(n: number, sampleSize: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  return n <= sampleSize
    ? all
    : shuffled(all, seededRandom(seed))
        .slice(0, sampleSize)
        .sort((a, b) => a - b);
}

export interface SilhouetteOptions {
  /** Exact up to this many points; above, a seeded sample of this size. Default 2,000. */
  sampleSize?: number;
  seed?: number;
}

/** Mean silhouette coefficient in [-1, 1] (Euclidean distances). */
export function silhouette(
  points: Points,
  assignment: readonly number[],
  options: SilhouetteOptions = {},
): number {
  checkPoints(points, 2);
  if (assignment.length !== points.length || !assignment.every((c) => Number.isInteger(c) && c >= 0)) {
    throw new ClusteringInputError('DIMENSION_MISMATCH', 'One cluster index (integer >= 0) per point');
  }
  const indices = sampleIndices(points.length, options.sampleSize ?? 2_000, options.seed ?? 1);
  const distance = distanceMatrix(indices.map((i) => points[i] as number[]));
  return silhouetteFromDistances(
    distance,
    indices.map((i) => assignment[i] as number),
  );
}

export interface KCandidate {
  k: number;
  silhouette: number;
  /** Of the fit the silhouette was measured on (the sample, above the sample size). */
  inertia: number;
}

/**
 * Fits each k and keeps the best mean silhouette (the smaller k on a tie). Above `sampleSize` points
 * the candidates are fitted and scored on a seeded sample; the chosen k is then fitted on every point
 * and its silhouette measured on the same sample.
 */
export function chooseK(
  points: Points,
  kRange: readonly number[] = [2, 3, 4, 5, 6, 7, 8],
  options: KMeansOptions & SilhouetteOptions = {},
): { k: number; silhouette: number; candidates: KCandidate[]; result: KMeansResult } {
  checkPoints(points, 3);
  const ks = [...new Set(kRange)]
    .filter((k) => Number.isInteger(k) && k >= 2 && k < points.length)
    .sort((a, b) => a - b);
  if (ks.length === 0)
    throw new ClusteringInputError('TOO_FEW_POINTS', 'No k in range fits the number of points');
  // One sample and one distance matrix serve every k, so the candidates are compared on equal terms.
  // Above the sample size, candidates are fitted on the sample and only the chosen k on every point.
  const indices = sampleIndices(points.length, options.sampleSize ?? 2_000, options.seed ?? 1);
  const sample = indices.length === points.length ? points : indices.map((i) => points[i] as number[]);
  const distance = distanceMatrix(sample);
  let best: { k: number; silhouette: number; result: KMeansResult } | undefined;
  const candidates: KCandidate[] = [];
  for (const k of ks) {
    const result = kmeans(sample, k, options);
    const score =
      new Set(result.assignment).size < 2 ? -1 : silhouetteFromDistances(distance, result.assignment);
    candidates.push({ k, silhouette: score, inertia: result.inertia });
    if (best === undefined || score > best.silhouette) best = { k, silhouette: score, result };
  }
  const chosen = best as { k: number; silhouette: number; result: KMeansResult };
  if (sample !== points) {
    chosen.result = kmeans(points, chosen.k, options);
    const labels = indices.map((i) => chosen.result.assignment[i] as number);
    chosen.silhouette = new Set(labels).size < 2 ? -1 : silhouetteFromDistances(distance, labels);
  }
  return { ...chosen, candidates };
}
