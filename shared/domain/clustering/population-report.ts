import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import type { JobProgress } from '../jobs/job.js';
import type { Assignment } from '../ports.js';
import { buildFeatureSpecs, featureNames, vectorise } from '../scoring/features.js';
import { clusterReport } from './report.js';

/** Customers a cluster report works on: the first this many with stored inputs, in scan order. */
export const clusterSampleSize = 20_000;

/**
 * The cluster report of the stored population: k-means on the numeric and yes/no variables of a
 * sample (DynamoDB's scan order follows the hash of the pseudonym, so the first customers read are a
 * sample without bias toward any segment), beside the current segments. Protected variables are never
 * dimensions. Reads no more than the sample: the scan stops once it is full.
 */
export async function populationClusterReport(
  assignments: AsyncIterable<Assignment[]>,
  options: { excluded: string[]; k?: number; report: (progress: JobProgress) => Promise<void> },
) {
  const population: Assignment[] = [];
  for await (const page of assignments) {
    for (const a of page) if (a.inputs && population.length < clusterSampleSize) population.push(a);
    await options.report({ phase: 'sampling', done: population.length, total: clusterSampleSize });
    if (population.length >= clusterSampleSize) break;
  }
  if (population.length < 10) throw new ValidationError('Too few segmented customers for a cluster report');
  await options.report({ phase: 'clustering', done: population.length, total: population.length });
  // Numeric and yes/no variables only: cluster centres then read in the variables' own units.
  const specs = buildFeatureSpecs(
    population.map((a) => a.inputs),
    { exclude: options.excluded },
  ).filter((s) => s.kind === 'numeric' || s.kind === 'boolean');
  const report = clusterReport(
    population.map((a) => vectorise(specs, a.inputs)),
    featureNames(specs),
    population.map((a) => a.segment),
    { ...(options.k ? { k: options.k } : {}), seed: 1 },
  );
  return { customers: population.length, excluded: options.excluded, ...report };
}

/** The body of POST /v1/reports/clusters: `k`, or none to let the silhouette choose. */
export const clusterRequest = z.object({ k: z.number().int().min(2).max(12).optional() }).strict();
