/**
 * A scoring model put in use re-scores everyone: a run over due decisions, in which every decision
 * scored by another version (or by none) is due, so its prediction and any rule reading the score
 * are evaluated afresh. The publication stands if the run cannot start: `onFailure` hears of it,
 * the answer says so (null), and the next scheduled run covers everyone anyway.
 */
import type { ActorRef } from '../actors.js';
import { type RunStartDeps, startPublicationRun } from '../segmentation/runs.js';
import { predictiveModelId } from './store.js';

export async function startRescoring(
  deps: RunStartDeps,
  request: {
    version: number;
    shards: number;
    now: Date;
    startedBy: ActorRef;
    requestId: string;
    /**
     * Makes the run id: a scoring version can be put back in use, so each publication (a request,
     * a training job) names a run of its own, and a retried job finds the one it started.
     */
    publicationId: string;
  },
  onFailure: (error: unknown) => void,
): Promise<{ runId: string; shards: number } | null> {
  const run = await startPublicationRun(
    deps,
    {
      modelId: predictiveModelId,
      version: request.version,
      shards: request.shards,
      now: request.now,
      startedBy: request.startedBy,
      requestId: request.requestId,
      runId: `run-publish-scoring-${request.version}-${request.publicationId}`,
    },
    onFailure,
  );
  return run ? { runId: run.runId, shards: run.shards ?? request.shards } : null;
}
