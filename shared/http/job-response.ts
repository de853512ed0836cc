import { type Job, jobBody } from '../domain/jobs/job.js';
import { jsonResponse } from './responses.js';

/** The answer of a POST that started a job: 202 with the job, and where to follow it. */
export function jobAccepted(job: Job) {
  const answer = jsonResponse(202, jobBody(job));
  return { ...answer, headers: { ...answer.headers, location: `/v1/jobs/${job.runId}` } };
}
