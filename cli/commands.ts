/**
 * The read and operate commands of `riskloop`: each calls the API and returns a JSON document (what
 * `--json` prints) plus the lines a person reads, and an exit code. No identifier goes into a URL:
 * `explain` sends the external id in a POST body to get the pseudonym first.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type ApiClient, CliError, exitCodes, usageError } from './client.js';
import { bar } from './progress.js';

export interface Outcome {
  json: unknown;
  text: string[];
  exitCode: number;
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`;
const num = (x: number | null | undefined) => (x === null || x === undefined ? '–' : String(x));

/** Left-aligned columns, for small tables on a terminal. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export async function segments(client: ApiClient): Promise<Outcome> {
  const { body } = await client.ok('GET', '/v1/segments');
  const total = body.total as number;
  const rows = (body.segments as { name: string; policyRef: string; count: number }[]).map((s) => [
    s.name,
    s.policyRef,
    String(s.count),
    total === 0 ? '–' : pct(s.count / total),
  ]);
  return {
    json: body,
    text: [
      `Model ${body.modelId} v${body.modelVersion}: ${total} customers`,
      ...table([['segment', 'policy', 'customers', 'share'], ...rows]),
    ],
    exitCode: exitCodes.ok,
  };
}

export async function explain(client: ApiClient, externalId: string): Promise<Outcome> {
  const lookup = await client.request('POST', '/v1/customers/lookup', { externalId });
  if (lookup.status === 404) throw new CliError('No customer with this external id', exitCodes.problem);
  if (lookup.status !== 200)
    throw new CliError(`lookup: ${lookup.status} ${lookup.body?.error?.message ?? ''}`, exitCodes.problem);
  const pseudonym = lookup.body.pseudonym as string;
  const res = await client.request('GET', `/v1/customers/${pseudonym}/segment`);
  if (res.status === 404) {
    return {
      json: { pseudonym, segment: null },
      text: [`${pseudonym}: no segment assigned yet (segmentation may still be running)`],
      exitCode: exitCodes.problem,
    };
  }
  if (res.status !== 200) throw new CliError(`segment: ${res.status}`, exitCodes.problem, res.body);
  const a = res.body;
  const explanation = (a.explanation ?? []) as {
    ruleId: string;
    reasonCode: string;
    points: number;
    description: string | null;
  }[];
  return {
    json: a,
    text: [
      `Pseudonym  ${a.pseudonym}`,
      `Segment    ${a.segment}${a.pinned ? ` (pinned: ${a.pinned.reasonCode}, until ${a.pinned.expiresAt})` : ''}${a.segment !== a.modelSegment ? ` (model says ${a.modelSegment})` : ''}`,
      `Score      ${a.score}   policy ${a.policyRef}   model ${a.modelId} v${a.modelVersion}`,
      `Assigned   ${a.assignedAt}${a.previousSegment ? `   previously ${a.previousSegment}` : ''}`,
      ...(explanation.length === 0
        ? ['Rules      none fired']
        : [
            'Rules that fired:',
            ...table(
              explanation.map((r) => [
                `  +${r.points}`,
                r.reasonCode,
                r.ruleId,
                r.description ?? '(rule of another model version)',
              ]),
            ),
          ]),
      ...(a.missingVariables?.length ? [`Missing    ${a.missingVariables.join(', ')}`] : []),
      ...predictionLines(a.predictionExplanation),
    ],
    exitCode: exitCodes.ok,
  };
}

interface PredictionExplanation {
  model: string;
  method: string;
  baseline: { logOdds: number; probability: number };
  logOdds: number;
  probability: number;
  score: number;
  contributions: { feature: string; value: unknown; contribution: number; probabilityChange: number }[];
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

/** The prediction, checkable by hand: baseline + the contributions = the log-odds. */
function predictionLines(p: PredictionExplanation | null | undefined): string[] {
  if (!p) return [];
  const shown = (v: unknown) =>
    v === null ? '(missing)' : Array.isArray(v) ? v.join(', ') || '(none)' : String(v);
  return [
    `Predicted  score ${p.score} (probability ${p.probability.toFixed(4)}, log-odds ${p.logOdds.toFixed(4)})   model ${p.model}, ${p.method}`,
    `Baseline   log-odds ${p.baseline.logOdds.toFixed(4)} (probability ${p.baseline.probability.toFixed(4)}); each variable adds:`,
    ...table([
      ['  variable', 'value', 'log-odds', 'probability alone'],
      ...p.contributions.map((c) => [
        `  ${c.feature}`,
        shown(c.value),
        signed(c.contribution, 4),
        signed(c.probabilityChange, 4),
      ]),
    ]),
  ];
}

export async function resegment(
  client: ApiClient,
  options: {
    olderThanDays?: number;
    scope?: 'all' | 'due';
    wait: boolean;
    timeoutSeconds: number;
    quiet: boolean;
  },
): Promise<Outcome> {
  const started = await client.ok('POST', '/v1/resegmentation-runs', {
    ...(options.olderThanDays === undefined ? {} : { olderThanDays: options.olderThanDays }),
    ...(options.scope ? { scope: options.scope } : {}),
  });
  const { runId, shards } = started.body as { runId: string; shards: number };
  if (!options.wait) {
    return {
      json: started.body,
      text: [`Run ${runId}: started over ${shards} scan shards`],
      exitCode: exitCodes.ok,
    };
  }
  // A run is a job: followed (and its progress bar drawn) like every other kind.
  return followJob(client, runId, options);
}

const requestKeys = new Set(['modelId', 'version', 'model', 'scenario', 'sampleSize']);

export async function simulate(client: ApiClient, file: string, sampleSize?: number): Promise<Outcome> {
  if (!existsSync(file)) throw usageError(`${file}: no such file`);
  let draft: unknown;
  try {
    draft = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw usageError(`${file}: not valid JSON`);
  }
  if (typeof draft !== 'object' || draft === null || Array.isArray(draft)) {
    throw usageError(`${file}: expected a JSON object (a model draft or a simulation request)`);
  }
  // A file of request fields only is a whole simulation request (model, scenario…); anything else is a draft.
  const isRequest = Object.keys(draft).every((k) => requestKeys.has(k));
  const body: Record<string, unknown> = isRequest ? { ...draft } : { model: draft };
  if (sampleSize !== undefined) body.sampleSize = sampleSize;
  const res = await client.request('POST', '/v1/risk-models/simulate', body);
  if (res.status !== 202) {
    const error = res.body?.error;
    const details = (error?.details ?? []) as { path?: string; message?: string }[];
    throw new CliError(
      [
        `simulate: ${res.status} ${error?.code ?? ''}: ${error?.message ?? ''}`,
        ...details.map((d) => `  ${d.path ?? ''}: ${d.message ?? ''}`),
      ].join('\n'),
      exitCodes.problem,
      res.body,
    );
  }
  // The simulation is a job (every stored decision is read): follow it to its report.
  const { job, ended } = await waitForJob(client, res.body.jobId, { timeoutSeconds: 600, quiet: false });
  if (!ended || job.status !== 'succeeded')
    throw new CliError(
      `simulate: job ${job.jobId} ${ended ? `${job.status}${job.error ? `, ${job.error.code}: ${job.error.message}` : ''}` : 'still running after 600 s'}`,
      exitCodes.problem,
      job,
    );
  const r = job.result;
  const names = [...new Set([...Object.keys(r.segmentsBefore ?? {}), ...Object.keys(r.segmentsAfter ?? {})])];
  return {
    json: r,
    text: [
      `Candidate ${r.candidate.modelId} v${r.candidate.version} over ${r.population} customers (${r.evaluated} evaluated, ${r.evaluatedOnAgedInputs ?? 0} of them on aged inputs, ${r.skippedWithoutInputs} without stored inputs, ${r.failed} failed)`,
      `Moved ${r.moved}: ${r.upgraded} up, ${r.downgraded} down`,
      ...table([
        ['segment', 'before', 'after'],
        ...names.map((n) => [n, num(r.segmentsBefore?.[n] ?? 0), num(r.segmentsAfter?.[n] ?? 0)]),
      ]),
      ...((r.drivers ?? []) as { reasonCode: string; customers: number; direction: string }[])
        .slice(0, 10)
        .map((d) => `  ${d.direction === 'up' ? '↑' : '↓'} ${d.reasonCode}: ${d.customers}`),
    ],
    exitCode: exitCodes.ok,
  };
}

export async function kpis(client: ApiClient, months?: number): Promise<Outcome> {
  const { body } = await client.ok('GET', `/v1/insights/summary${months ? `?months=${months}` : ''}`);
  const k = body.kpis ?? {};
  const segmentsList = (body.segments ?? []) as { segment: string; count: number; share: number }[];
  const reasons = (body.reasonCodes ?? []) as { reasonCode: string; count: number }[];
  return {
    json: body,
    text: [
      `As of ${body.asOf}, model ${body.model?.modelId ?? '?'} v${body.model?.version ?? '?'}`,
      ...table([
        ['customers', num(k.customers)],
        ['high-risk share', pct(k.highRiskShare)],
        ['capture rate', pct(k.captureRate)],
        ['precision', pct(k.precision)],
        ['recall', pct(k.recall)],
        ['open cases', num(k.openCases)],
        ['median days to close', num(k.medianDaysToClose)],
        ['NPS', num(k.nps)],
        ['participation', pct(k.participation)],
      ]),
      '',
      ...table([
        ['segment', 'customers', 'share'],
        ...segmentsList.map((s) => [s.segment, String(s.count), pct(s.share)]),
      ]),
      ...(reasons.length > 0
        ? ['', 'Most frequent reasons:', ...reasons.slice(0, 8).map((r) => `  ${r.reasonCode}: ${r.count}`)]
        : []),
    ],
    exitCode: exitCodes.ok,
  };
}

export async function auditVerify(
  client: ApiClient,
  day?: string,
  range?: { from: string; to: string; timeoutSeconds: number; quiet: boolean },
): Promise<Outcome> {
  let body: ApiBody;
  if (range) {
    // A range (or a day too large for a request) is verified as a job, followed with its progress.
    const started = await client.ok('POST', '/v1/audit/verifications', { from: range.from, to: range.to });
    const followed = await followJob(client, (started.body as { jobId: string }).jobId, range);
    if (followed.exitCode !== exitCodes.ok) return followed;
    body = (followed.json as { result: ApiBody }).result;
  } else {
    body = (await client.ok('GET', `/v1/audit/verification${day ? `?day=${day}` : ''}`)).body;
  }
  const findings = (body.findings ?? []) as {
    problem: string;
    message: string;
    record?: { stream: string; eventId: string };
  }[];
  return {
    json: body,
    text: [
      ...findings.map(
        (f) => `✗ ${f.problem}${f.record ? ` ${f.record.stream} / ${f.record.eventId}` : ''}: ${f.message}`,
      ),
      `${body.intact ? '✓ intact' : '✗ NOT intact'}: ${body.days?.length ?? 0} day(s), ${body.chains} chain(s), ${body.records} record(s), ${body.checkpoints} checkpoint(s)`,
    ],
    exitCode: body.intact ? exitCodes.ok : exitCodes.problem,
  };
}

/** Starts a training job (`POST /v1/scoring-models`) and follows it, unless `wait` is false. */
export async function train(
  client: ApiClient,
  request: { kind?: 'logistic' | 'trees' | 'both'; exclude?: string[]; seed?: number; publish: boolean },
  options: { wait: boolean; timeoutSeconds: number; quiet: boolean },
): Promise<Outcome> {
  const started = await client.ok('POST', '/v1/scoring-models', {
    ...(request.kind ? { kind: request.kind } : {}),
    ...(request.exclude ? { exclude: request.exclude } : {}),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    publish: request.publish,
  });
  const { jobId } = started.body as { jobId: string };
  if (!options.wait)
    return { json: started.body, text: [`Job ${jobId}: training started`], exitCode: exitCodes.ok };
  return followJob(client, jobId, options);
}

/** Imports an XGBoost model file (save_model JSON) as the next scoring version. */
export async function importModel(
  client: ApiClient,
  request: { file: string; variables?: string[]; publish: boolean },
): Promise<Outcome> {
  if (!existsSync(request.file)) throw usageError(`no such file: ${request.file}`);
  let model: unknown;
  try {
    model = JSON.parse(readFileSync(request.file, 'utf8'));
  } catch {
    throw new CliError(
      'The model file is not JSON: save it with save_model("model.json")',
      exitCodes.problem,
    );
  }
  const res = await client.request('POST', '/v1/scoring-models/import', {
    format: 'xgboost-json',
    model,
    ...(request.variables ? { variables: request.variables } : {}),
    publish: request.publish,
  });
  if (res.status !== 201) {
    throw new CliError(
      `import: ${res.status} ${res.body?.error?.code ?? ''} ${res.body?.error?.message ?? ''}`.trim(),
      exitCodes.problem,
      res.body,
    );
  }
  const b = res.body;
  return {
    json: b,
    text: [
      `Imported ${b.modelId}@${b.version}: ${b.trees} trees over ${b.features} columns, ${b.status}`,
      ...(b.rescoring ? [`Re-scoring everyone: run ${b.rescoring.runId}`] : []),
    ],
    exitCode: exitCodes.ok,
  };
}

/**
 * Exports the segment register (a job), follows it with a progress bar, then writes its rows, page
 * by page, as JSON lines to `out`: pseudonyms only, no personal data.
 */
export async function exportSegments(
  client: ApiClient,
  request: { segment?: string; out: string },
  options: { timeoutSeconds: number; quiet: boolean },
): Promise<Outcome> {
  const started = await client.ok(
    'POST',
    '/v1/exports/segments',
    request.segment === undefined ? {} : { segment: request.segment },
  );
  const jobId = (started.body as { jobId: string }).jobId;
  const followed = await followJob(client, jobId, options);
  if (followed.exitCode !== exitCodes.ok) return followed;
  writeFileSync(request.out, '');
  let rows = 0;
  let cursor: string | undefined;
  do {
    const page = await client.ok(
      'GET',
      `/v1/jobs/${jobId}/rows?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    const body = page.body as { rows: unknown[]; nextCursor?: string };
    if (body.rows.length > 0)
      appendFileSync(request.out, `${body.rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    rows += body.rows.length;
    cursor = body.nextCursor;
  } while (cursor);
  return {
    json: { jobId, rows, out: request.out },
    text: [`Job ${jobId}: ${rows} rows exported to ${request.out}`],
    exitCode: exitCodes.ok,
  };
}

/** A JSON answer of the API, as the client reads it. */
type ApiBody = Awaited<ReturnType<ApiClient['ok']>>['body'];

/**
 * Follows a job (`GET /v1/jobs/{jobId}`) with a progress bar on stderr until it ends or the time is
 * up; the job as last read, and whether it ended.
 */
async function waitForJob(
  client: ApiClient,
  jobId: string,
  options: { timeoutSeconds: number; quiet: boolean },
): Promise<{ job: ApiBody; ended: boolean }> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const tty = process.stderr.isTTY && !options.quiet;
  for (;;) {
    const { body: job } = await client.ok('GET', `/v1/jobs/${jobId}`);
    const { phase, done, total } = job.progress as { phase: string; done: number; total?: number };
    if (tty) {
      const share = total ? Math.min(1, done / total) : 0;
      const count = total === undefined ? `${done}` : `${done}/${total}`;
      process.stderr.write(`\r${jobId}  ${bar(share)} ${phase} ${count}`.padEnd(100));
    }
    const ended = ['succeeded', 'failed', 'cancelled'].includes(job.status);
    if (ended || Date.now() > deadline) {
      if (tty) process.stderr.write('\n');
      return { job, ended };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Follows a job until it ends (`--cancel`: asks it to stop first); exit 1 unless it succeeded. */
export async function followJob(
  client: ApiClient,
  jobId: string,
  options: { timeoutSeconds: number; quiet: boolean; cancel?: boolean },
): Promise<Outcome> {
  if (options.cancel) await client.ok('POST', `/v1/jobs/${jobId}/cancel`, {});
  const { job, ended } = await waitForJob(client, jobId, options);
  if (!ended)
    return {
      json: job,
      text: [
        `Job ${jobId} still ${job.status} after ${options.timeoutSeconds} s; it continues in the background`,
      ],
      exitCode: exitCodes.problem,
    };
  const result = job.result as
    | { version?: number; status?: string; validation?: { auc?: number } }
    | undefined;
  const counts = job.result as
    | { enqueued: number; done: number; failed: number; upToDate: number }
    | undefined;
  if (job.kind === 'resegmentation' && counts)
    return {
      json: job,
      text: [
        `Run ${jobId}: ${counts.done} re-segmented, ${counts.failed} failed, of ${counts.enqueued}` +
          (counts.upToDate ? ` (${counts.upToDate} up to date, not queued)` : ''),
      ],
      exitCode: job.status === 'succeeded' ? exitCodes.ok : exitCodes.problem,
    };
  const text =
    job.status === 'succeeded'
      ? `Job ${jobId}: succeeded` +
        (result?.version === undefined || job.kind !== 'training'
          ? ''
          : `, model version ${result.version} (${result.status}), validation AUC ${result.validation?.auc ?? 'n/a'}`)
      : job.status === 'failed'
        ? `Job ${jobId}: failed, ${job.error?.code}: ${job.error?.message}`
        : `Job ${jobId}: cancelled`;
  return { json: job, text: [text], exitCode: job.status === 'succeeded' ? exitCodes.ok : exitCodes.problem };
}

/** The jobs not ended yet (`GET /v1/jobs`, first page of 100), newest first. */
export async function activeJobs(client: ApiClient): Promise<Outcome> {
  const { body } = await client.ok('GET', '/v1/jobs?limit=100');
  const jobs = body.jobs as {
    jobId: string;
    kind: string;
    status: string;
    createdAt: string;
    progress: { phase: string; done: number; total?: number };
  }[];
  return {
    json: body,
    text:
      jobs.length === 0
        ? ['No job is queued or running']
        : table([
            ['job', 'kind', 'status', 'phase', 'progress', 'started'],
            ...jobs.map((j) => [
              j.jobId,
              j.kind,
              j.status,
              j.progress.phase,
              j.progress.total === undefined
                ? `${j.progress.done}`
                : `${j.progress.done}/${j.progress.total}`,
              j.createdAt,
            ]),
          ]),
    exitCode: exitCodes.ok,
  };
}
