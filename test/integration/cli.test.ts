import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { api, eventually, runId } from '../helpers/local.js';

const dir = mkdtempSync(join(tmpdir(), 'riskloop-cli-'));
const bin = resolve('cli/riskloop.mjs');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `riskloop` bin as a user would, against the test's local system. */
function cli(
  args: string[],
  options: { role?: string; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<Run> {
  const { apiUrl, credentials } = inject('runtime');
  const key = options.role ? ['--key', (credentials as Record<string, string>)[options.role] as string] : [];
  return new Promise((done) => {
    const url = args.includes('--url') ? [] : ['--url', apiUrl];
    const child = spawn(process.execPath, [bin, ...args, ...url, ...key], {
      // No fallback to a developer's .data/credentials.json: keys come from the test only.
      // Nor to a session of `riskloop login` in the developer's home.
      env: {
        ...process.env,
        RISKLOOP_DATA_DIR: dir,
        RISKLOOP_API_KEY: '',
        RISKLOOP_TOKEN_FILE: join(dir, 'no-session.json'),
      },
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
    options.onSpawn?.(child);
  });
}

const basis = 'legal_obligation,2026-01-01T00:00:00Z,onboarding,v1';
const header =
  'externalId,type,jurisdictions,personalData.name,personalData.email,flags.pep,flags.sanctionsHit,lawfulBasis.risk_assessment.basis,lawfulBasis.risk_assessment.recordedAt,lawfulBasis.risk_assessment.source,lawfulBasis.risk_assessment.version';

describe('riskloop CLI', () => {
  const id = runId();
  const good = [1, 2, 3, 4, 5].map((n) => `CLI-${id}-${n}`);
  // Lines: 1 header; 2-3 good; 4 no lawful basis (lawful-basis check); 5-6 one good row with a quoted line break;
  // 7 unreadable flag (CLI); 8 good; 9 unknown country (API); 10 good.
  const csv = [
    header,
    `${good[0]},individual,DE,Ada Example,ada.${id}@example.com,false,false,${basis}`,
    `${good[1]},corporate,DE;FR,"Example Trading, GmbH",,no,no,${basis}`,
    `CLI-${id}-nobasis,individual,DE,,,,,,,,`,
    `${good[2]},individual,GB,"Multi`,
    `Line",,yes,,${basis}`,
    `CLI-${id}-badflag,individual,DE,,,perhaps,,${basis}`,
    `${good[3]},individual,IR,,,,true,${basis}`,
    `CLI-${id}-badcountry,individual,XX,,,,,${basis}`,
    `${good[4]},individual,NL,,,,,${basis}`,
  ].join('\r\n');
  const file = join(dir, `customers-${id}.csv`);
  writeFileSync(file, `\uFEFF${csv}\r\n`);

  it('imports the good rows, reports the bad ones by line, and exits 1', async () => {
    // Act
    const run = await cli(['import', file, '--json'], { role: 'ingest' });

    // Assess
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      kind: 'customers',
      complete: true,
      totals: { sent: 7, accepted: 5, duplicates: 0, rejected: 3 },
    });
    const report = readFileSync(summary.reportFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(report.map((r) => [r.line, r.code])).toEqual([
      [4, 'LAWFUL_BASIS_MISSING'],
      [7, 'CSV_INVALID_VALUE'],
      [9, 'VALIDATION_FAILED'],
    ]);
    expect(JSON.stringify(report)).not.toContain(id);
    for (const externalId of good) {
      expect((await api('analyst', 'POST', '/v1/customers/lookup', { externalId })).status).toBe(200);
    }
  });

  it('duplicates nothing on a re-run, and has nothing left to send without --restart', async () => {
    // Act
    const again = await cli(['import', file, '--json', '--restart'], { role: 'ingest' });
    const resumed = await cli(['import', file, '--json'], { role: 'ingest' });

    // Assess
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).thisRun).toEqual({ sent: 7, accepted: 0, duplicates: 5, rejected: 3 });
    expect(JSON.parse(resumed.stdout).thisRun).toEqual({ sent: 0, accepted: 0, duplicates: 0, rejected: 0 });
  });

  it('resumes an interrupted import after the last acknowledged line', async () => {
    // Prepare
    const rows = Array.from({ length: 300 }, (_, i) => `CLI-${id}-bulk-${i},individual,DE,,,,,${basis}`);
    const bulk = join(dir, `bulk-${id}.csv`);
    writeFileSync(bulk, `${[header, ...rows].join('\n')}\n`);
    const stateFile = `${bulk}.riskloop-import.json`;

    // Act: Ctrl-C once the first batches are acknowledged
    const first = await cli(['import', bulk, '--json', '--batch-size', '5'], {
      role: 'ingest',
      onSpawn: (child) => {
        const timer = setInterval(() => {
          if (!existsSync(stateFile)) return;
          const state = JSON.parse(readFileSync(stateFile, 'utf8'));
          if (state.lastAckLine > 10) {
            clearInterval(timer);
            child.kill('SIGINT');
          }
        }, 20);
        child.on('close', () => clearInterval(timer));
      },
    });
    const stopped = JSON.parse(first.stdout);
    const second = await cli(['import', bulk, '--json'], { role: 'ingest' });
    const finished = JSON.parse(second.stdout);

    // Assess
    expect(first.code).toBe(130);
    expect(stopped.complete).toBe(false);
    expect(stopped.lastAcknowledgedLine).toBeLessThan(301);
    expect(second.code).toBe(0);
    expect(finished.resumedAfterLine).toBe(stopped.lastAcknowledgedLine);
    expect(finished.thisRun.duplicates).toBe(0);
    expect(stopped.thisRun.accepted + finished.thisRun.accepted).toBe(300);
    expect(finished.totals).toEqual({ sent: 300, accepted: 300, duplicates: 0, rejected: 0 });
  });

  it('imports transactions from JSON lines, naming the line of an unknown customer', async () => {
    // Prepare
    const txn = (n: number, customer: string) => ({
      transactionId: `CLI-${id}-T${n}`,
      customerExternalId: customer,
      amount: 9500,
      currency: 'EUR',
      timestamp: new Date().toISOString(),
      direction: 'inbound',
      paymentMethod: 'cash',
    });
    const jsonl = join(dir, `transactions-${id}.jsonl`);
    writeFileSync(
      jsonl,
      [txn(1, good[0] as string), '', txn(2, `CLI-${id}-nobody`), '{not json', txn(3, good[3] as string)]
        .map((t) => (typeof t === 'string' ? t : JSON.stringify(t)))
        .join('\n'),
    );

    // Act
    const run = await cli(['import', jsonl, '--json'], { role: 'ingest' });

    // Assess
    const summary = JSON.parse(run.stdout);
    expect(run.code).toBe(1);
    expect(summary).toMatchObject({ kind: 'transactions', totals: { accepted: 2, rejected: 2 } });
    const report = readFileSync(summary.reportFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(report.map((r) => [r.line, r.code])).toEqual([
      [3, 'UNKNOWN_CUSTOMER'],
      [4, 'JSONL_INVALID'],
    ]);
  });

  it('explains a customer by external id without putting the id in a URL', async () => {
    // Act
    const run = await eventually(async () => {
      const r = await cli(['explain', good[3] as string, '--json'], { role: 'analyst' });
      return r.code === 0 ? r : undefined;
    });

    // Assess
    const explained = JSON.parse(run.stdout);
    expect(explained.pseudonym).toMatch(/^k1\./);
    expect(explained.reasonCodes.length).toBeGreaterThan(0);
    const missing = await cli(['explain', `CLI-${id}-nobody`], { role: 'analyst' });
    expect(missing.code).toBe(1);
  });

  it('prints one JSON document for segments and audit verification', async () => {
    // Act
    const segments = await cli(['segments', '--json'], { role: 'analyst' });
    const audit = await cli(['audit', 'verify', '--json'], { role: 'compliance' });
    const today = new Date().toISOString().slice(0, 10);
    const asJob = await cli(
      ['audit', 'verify', '--from', today, '--to', today, '--json', '--timeout', '60'],
      {
        role: 'compliance',
      },
    );
    const both = await cli(['audit', 'verify', '--day', today, '--from', today], { role: 'compliance' });

    // Assess
    expect(segments.code).toBe(0);
    expect(JSON.parse(segments.stdout).total).toBeGreaterThan(0);
    expect([0, 1]).toContain(audit.code);
    expect(typeof JSON.parse(audit.stdout).intact).toBe('boolean');
    expect(audit.code).toBe(JSON.parse(audit.stdout).intact ? 0 : 1);
    // The same day verified as a job: the job's report, with the same exit code rule.
    const report = JSON.parse(asJob.stdout);
    expect(report.days).toEqual([today]);
    expect(asJob.code).toBe(report.intact ? 0 : 1);
    expect(both.code).toBe(2);
  });

  it('simulates a draft model file and reads the KPI summary', async () => {
    // Prepare
    const draft = join(dir, 'draft.json');
    writeFileSync(draft, readFileSync(resolve('shared/data/risk-models/default.json')));

    // Act
    const simulated = await cli(['simulate', draft, '--json', '--sample-size', '0'], { role: 'analyst' });
    const kpis = await cli(['kpis', '--json'], { role: 'analyst' });
    const notJson = await cli(['simulate', file], { role: 'analyst' });

    // Assess
    expect(simulated.code).toBe(0);
    expect(JSON.parse(simulated.stdout)).toMatchObject({ candidate: { version: 0 }, failed: 0 });
    expect(kpis.code).toBe(0);
    expect(JSON.parse(kpis.stdout).kpis.customers).toBeGreaterThan(0);
    expect(notJson.code).toBe(2);
  });

  it('starts a re-segmentation run over HTTP and follows it to the end', async () => {
    // Act
    const run = await cli(['resegment', '--json', '--older-than-days', '3650', '--timeout', '60'], {
      role: 'admin',
    });

    const due = await cli(['resegment', '--json', '--scope', 'due', '--timeout', '60'], { role: 'admin' });

    // Assess: the second run covers only due decisions, and says how many were up to date.
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      kind: 'resegmentation',
      status: 'succeeded',
      result: { failed: 0 },
    });
    expect(due.code).toBe(0);
    expect(JSON.parse(due.stdout)).toMatchObject({
      status: 'succeeded',
      input: { filter: { scope: 'due' } },
      result: { failed: 0, upToDate: expect.any(Number) },
    });
  });

  it('starts a training job and follows it to its end; a job that fails exits 1 with its code', async () => {
    // Act: this system has too few audit outcomes to train on, so the job ends failed.
    const trained = await cli(['train', '--json', '--seed', '7', '--timeout', '60'], { role: 'admin' });
    const job = JSON.parse(trained.stdout);
    const followed = await cli(['job', job.jobId, '--json', '--timeout', '10'], { role: 'admin' });
    const badId = await cli(['job', 'nojob-1'], { role: 'admin' });
    const active = await cli(['jobs', '--json'], { role: 'analyst' });

    // Assess
    expect(trained.code).toBe(1);
    expect(job).toMatchObject({ kind: 'training', status: 'failed', input: { seed: 7 }, attempts: 1 });
    expect(['TOO_FEW_OUTCOMES', 'SINGLE_CLASS']).toContain(job.error.code);
    expect(JSON.parse(followed.stdout)).toMatchObject({ jobId: job.jobId, status: 'failed' });
    expect(badId.code).toBe(2);
    // Ended, it is no longer among the jobs queued or running.
    expect(active.code).toBe(0);
    expect(JSON.parse(active.stdout).jobs.map((j: { jobId: string }) => j.jobId)).not.toContain(job.jobId);
  });

  it('trains the kind asked for, and imports a model file, refusing what it cannot read', async () => {
    const model = fileURLToPath(new URL('../fixtures/xgboost/german-credit/model.json', import.meta.url));
    const notJson = join(dir, 'model.txt');
    writeFileSync(notJson, 'booster[0]:\n0:[f0<1] yes=1,no=2');

    const badKind = await cli(['train', '--kind', 'forest'], { role: 'admin' });
    const both = await cli(['train', '--kind', 'both', '--json', '--timeout', '60'], { role: 'admin' });
    const missing = await cli(['import-model', join(dir, 'absent.json')], { role: 'admin' });
    const dump = await cli(['import-model', notJson], { role: 'admin' });
    // This system's risk model declares none of German Credit's variables.
    const undeclared = await cli(['import-model', model, '--variables', 'durationMonths'], { role: 'admin' });

    expect(badKind.code).toBe(2);
    expect(JSON.parse(both.stdout)).toMatchObject({ kind: 'training', input: { kind: 'both' } });
    expect(missing.code).toBe(2);
    expect(dump.code).toBe(1);
    expect(dump.stderr).toContain('not JSON');
    expect(undeclared.code).toBe(1);
    expect(undeclared.stderr).toContain('import: 400');
  });

  it('exports the segment register to a JSON lines file, following the job', async () => {
    const out = join(dir, 'register.jsonl');
    const exported = await cli(['export', '--out', out, '--json', '--timeout', '60'], { role: 'compliance' });
    const noOut = await cli(['export'], { role: 'compliance' });

    expect(exported.code).toBe(0);
    const summary = JSON.parse(exported.stdout);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(summary.rows);
    expect(summary.rows).toBeGreaterThan(0);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      pseudonym: expect.any(String),
      segment: expect.any(String),
    });
    expect(noOut.code).toBe(2);
  });

  it('exits 2 on usage errors and 3 on a refused key or an unreachable API', async () => {
    // Act
    const none = await cli([], { role: 'analyst' });
    const unknown = await cli(['frobnicate'], { role: 'analyst' });
    const badOption = await cli(['segments', '--colour'], { role: 'analyst' });
    const noFile = await cli(['import'], { role: 'ingest' });
    const badKind = await cli(['import', file, '--kind', 'accounts'], { role: 'ingest' });
    const badScope = await cli(['resegment', '--scope', 'some'], { role: 'admin' });
    const wrongKey = await cli(['segments', '--key', `rl_analyst_${'x'.repeat(43)}`]);
    const wrongRole = await cli(['segments'], { role: 'ingest' });
    const unreachable = await cli(['segments', '--json', '--url', 'http://127.0.0.1:9'], { role: 'analyst' });

    // Assess
    expect([none.code, unknown.code, badOption.code, noFile.code, badKind.code, badScope.code]).toEqual([
      2, 2, 2, 2, 2, 2,
    ]);
    expect(wrongKey.code).toBe(3);
    expect(wrongRole.code).toBe(3);
    expect(unreachable.code).toBe(3);
    expect(JSON.parse(unreachable.stdout).error.exitCode).toBe(3);
  });

  it('lists four-eyes requests, and refuses a decision without a reason or by an API key', async () => {
    const listed = await cli(['approvals'], { role: 'admin' });
    const noReason = await cli(['approvals', 'approve', `apr_${'a'.repeat(22)}`], { role: 'admin' });
    const badId = await cli(['approvals', 'approve', 'apr_1', '--reason', 'OK_FINE'], { role: 'admin' });
    const unknown = await cli(['approvals', 'reject', `apr_${'a'.repeat(22)}`, '--reason', 'OK_FINE'], {
      role: 'admin',
    });

    expect([listed.code, listed.stdout.trim()]).toEqual([0, 'No request waits for your decision']);
    expect([noReason.code, badId.code]).toEqual([2, 2]);
    // Four-eyes is off in this system: no request exists, and the API says so.
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
  });
});
