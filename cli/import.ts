/**
 * `riskloop import <file.csv|file.jsonl>`: bulk ingestion through the public API, in batches, with
 * a progress bar, a per-row error report and resumption. A state file beside the input records the
 * last line whose batch the API acknowledged; a later run (after Ctrl-C, a crash or a network
 * failure) starts after it. Each batch carries an Idempotency-Key made of the run's nonce and its
 * line span, so a batch retried after a lost answer gets the first answer back; a fresh run
 * (`--restart`) uses a new nonce, and the API answers `duplicate` for rows it already holds.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { type ApiClient, CliError, ConnectionError, errorText, exitCodes, usageError } from './client.js';
import { CsvParser, CsvSyntaxError } from './csv.js';
import { Progress } from './progress.js';
import {
  checkHeader,
  type Kind,
  kindOfHeader,
  kindOfRecord,
  rowToRecord,
  type ShapeError,
} from './records.js';

export const maxBatch: Record<Kind, number> = { customers: 100, transactions: 500 };
const route: Record<Kind, { path: string; field: string }> = {
  customers: { path: '/v1/customers', field: 'records' },
  transactions: { path: '/v1/transactions', field: 'transactions' },
};

export interface ImportOptions {
  file: string;
  kind?: Kind;
  restart: boolean;
  batchSize?: number;
  reportFile?: string;
  quiet: boolean;
}

interface Totals {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

interface ImportState {
  version: 1;
  fingerprint: string;
  kind: Kind;
  /** Names this run's Idempotency-Keys; a fresh run draws a new one. */
  nonce: string;
  lastAckLine: number;
  complete: boolean;
  totals: Totals;
  reportFile: string;
}

export interface ImportSummary {
  file: string;
  kind: Kind;
  complete: boolean;
  interrupted: boolean;
  resumedAfterLine: number | null;
  lastAcknowledgedLine: number;
  thisRun: Totals;
  totals: Totals;
  reportFile: string;
  stateFile: string;
}

interface Row {
  line: number;
  record?: unknown;
  error?: ShapeError;
}

export const stateFileOf = (file: string) => `${file}.riskloop-import.json`;
const defaultReportOf = (file: string) => `${file}.errors.jsonl`;

/** SHA-256 of the file and its number of lines, in one streaming pass. */
async function scan(file: string): Promise<{ fingerprint: string; lines: number }> {
  const hash = createHash('sha256');
  let lines = 1;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines += 1;
  }
  return { fingerprint: hash.digest('hex'), lines };
}

function formatOf(file: string): 'csv' | 'jsonl' {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw usageError(`${file}: expected a .csv or .jsonl file`);
}

/** Rows of the file with their line numbers, shaped into records or errors; the kind comes first. */
async function* rowsOf(
  file: string,
  format: 'csv' | 'jsonl',
  kindOption: Kind | undefined,
): AsyncGenerator<Row | Kind> {
  if (format === 'csv') {
    const parser = new CsvParser();
    let header: string[] | undefined;
    let kind: Kind | undefined;
    const shape = (line: number, fields: string[]): Row | undefined => {
      if (!header) {
        header = fields.map((f) => f.trim());
        kind = kindOption ?? kindOfHeader(header);
        const problems = checkHeader(kind, header);
        if (problems.length > 0) throw usageError(`${file}: ${problems.join('; ')}`);
        return undefined;
      }
      const shaped = rowToRecord(kind as Kind, header, fields);
      return shaped.ok ? { line, record: shaped.record } : { line, error: shaped.error };
    };
    try {
      for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
        for (const r of parser.push(chunk as string)) {
          const row = shape(r.line, r.fields);
          if (row) yield row;
          else yield kind as Kind;
        }
      }
      for (const r of parser.end()) {
        const row = shape(r.line, r.fields);
        if (row) yield row;
        else yield kind as Kind;
      }
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw usageError(`${file}: ${error.message}`);
      throw error;
    }
    if (!header) throw usageError(`${file}: empty file (a header line is expected)`);
    return;
  }
  let line = 0;
  let rest = '';
  let kind: Kind | undefined = kindOption;
  if (kindOption) yield kindOption;
  const parseLine = (text: string, n: number): Row | undefined => {
    const trimmed = text.replace(/^\uFEFF/, '').trim();
    if (trimmed === '') return undefined;
    try {
      const record = JSON.parse(trimmed) as unknown;
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        return {
          line: n,
          error: { code: 'JSONL_NOT_OBJECT', message: 'Each line must be one JSON object', details: [] },
        };
      }
      return { line: n, record };
    } catch {
      return {
        line: n,
        error: { code: 'JSONL_INVALID', message: 'The line is not valid JSON', details: [] },
      };
    }
  };
  const emit = function* (text: string): Generator<Row | Kind> {
    line += 1;
    const row = parseLine(text, line);
    if (!row) return;
    if (!kind) {
      kind = kindOfRecord(row.record);
      yield kind;
    }
    yield row;
  };
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const parts = (rest + (chunk as string)).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) yield* emit(part);
  }
  yield* emit(rest);
}

function loadState(file: string): ImportState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ImportState;
  } catch {
    return undefined;
  }
}

function saveState(file: string, state: ImportState): void {
  // Write then rename: an interrupted write never leaves a half state file behind.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends one batch, retrying transient failures with the same Idempotency-Key. */
async function send(
  client: ApiClient,
  kind: Kind,
  records: unknown[],
  key: string,
): Promise<{ index: number; status: string; code?: string; message?: string; details?: unknown }[]> {
  for (let attempt = 1; ; attempt++) {
    let res: Awaited<ReturnType<ApiClient['request']>>;
    try {
      res = await client.request(
        'POST',
        route[kind].path,
        { [route[kind].field]: records },
        { 'Idempotency-Key': key },
      );
    } catch (error) {
      if (error instanceof ConnectionError && attempt < 4) {
        await pause(500 * 2 ** attempt);
        continue;
      }
      throw error;
    }
    if (res.status === 207) return res.body.results;
    // 409: the same batch is still being processed (a retry overtook the first attempt).
    if ((res.status >= 500 || res.status === 409 || res.status === 429) && attempt < 4) {
      await pause(500 * 2 ** attempt);
      continue;
    }
    throw new CliError(
      `${route[kind].path}: ${res.status} ${errorText(res.body)}`,
      exitCodes.problem,
      res.body,
    );
  }
}

export async function runImport(
  client: ApiClient,
  options: ImportOptions,
): Promise<{ summary: ImportSummary; exitCode: number }> {
  const file = resolve(options.file);
  if (!existsSync(file)) throw usageError(`${options.file}: no such file`);
  const format = formatOf(file);
  const stateFile = stateFileOf(file);
  const { fingerprint, lines } = await scan(file);
  const previous = options.restart ? undefined : loadState(stateFile);
  const resumable =
    previous && previous.fingerprint === fingerprint && (!options.kind || previous.kind === options.kind)
      ? previous
      : undefined;
  if (previous && !resumable && !options.quiet) {
    process.stderr.write('The file changed since the last run: starting from the top.\n');
  }
  const reportFile = resolve(options.reportFile ?? resumable?.reportFile ?? defaultReportOf(file));
  if (!resumable) await writeFile(reportFile, '');

  const interrupted = { requested: false };
  const onSignal = () => {
    interrupted.requested = true;
    process.stderr.write('\nStopping after the batch in flight (Ctrl-C again to abort now)…\n');
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);

  const thisRun: Totals = { sent: 0, accepted: 0, duplicates: 0, rejected: 0 };
  // A copy: the resumed state object itself is updated as batches are acknowledged.
  const before: Totals = { ...(resumable?.totals ?? thisRun) };
  let state: ImportState | undefined = resumable;
  const progress = new Progress(lines, options.quiet);
  const rows = rowsOf(file, format, options.kind);
  let kind: Kind | undefined = resumable?.kind;
  let batch: Row[] = [];
  let spanEnd = 0;

  const acknowledge = async (
    toLine: number,
    rowsOfBatch: Row[],
    results: Awaited<ReturnType<typeof send>>,
  ) => {
    const s = state as ImportState;
    const sentRows = rowsOfBatch.filter((r) => r.record !== undefined);
    const report: string[] = [];
    const byLine = new Map<number, string>();
    for (const result of results) {
      const row = sentRows[result.index];
      if (!row) continue;
      if (result.status === 'accepted') thisRun.accepted += 1;
      else if (result.status === 'duplicate') thisRun.duplicates += 1;
      else {
        thisRun.rejected += 1;
        byLine.set(
          row.line,
          JSON.stringify({
            line: row.line,
            code: result.code,
            message: result.message,
            details: result.details ?? [],
          }),
        );
      }
    }
    for (const row of rowsOfBatch) {
      if (row.error) {
        thisRun.rejected += 1;
        byLine.set(row.line, JSON.stringify({ line: row.line, ...row.error }));
      }
    }
    for (const [, entry] of [...byLine].sort(([a], [b]) => a - b)) report.push(entry);
    if (report.length > 0) await appendFile(reportFile, `${report.join('\n')}\n`);
    thisRun.sent += sentRows.length;
    s.lastAckLine = toLine;
    s.totals = {
      sent: before.sent + thisRun.sent,
      accepted: before.accepted + thisRun.accepted,
      duplicates: before.duplicates + thisRun.duplicates,
      rejected: before.rejected + thisRun.rejected,
    };
    saveState(stateFile, s);
    progress.update(toLine, s.totals);
  };

  const flush = async () => {
    const s = state as ImportState;
    const records = batch.flatMap((r) => (r.record === undefined ? [] : [r.record]));
    const first = batch[0]?.line ?? spanEnd;
    const results =
      records.length === 0
        ? []
        : await send(client, s.kind, records, `riskloop-import-${s.nonce}-${first}-${spanEnd}`);
    await acknowledge(spanEnd, batch, results);
    batch = [];
  };

  const resumedAfter = resumable ? resumable.lastAckLine : null;
  try {
    if (!resumable?.complete) {
      for await (const item of rows) {
        if (typeof item === 'string') {
          if (!kind) kind = item;
          if (!state) {
            state = {
              version: 1,
              fingerprint,
              kind,
              nonce: randomUUID(),
              lastAckLine: 1,
              complete: false,
              totals: { ...thisRun },
              reportFile,
            };
            saveState(stateFile, state);
          }
          continue;
        }
        if (item.line <= (resumable?.lastAckLine ?? 0)) continue;
        batch.push(item);
        spanEnd = item.line;
        const size = Math.min(
          options.batchSize ?? maxBatch[(state as ImportState).kind],
          maxBatch[(state as ImportState).kind],
        );
        if (batch.filter((r) => r.record !== undefined).length >= size) {
          await flush();
          if (interrupted.requested) break;
        }
      }
      if (!interrupted.requested && state) {
        if (batch.length > 0) await flush();
        state.complete = true;
        state.lastAckLine = Math.max(state.lastAckLine, spanEnd);
        saveState(stateFile, state);
      }
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    progress.done();
  }
  if (!state) throw usageError(`${options.file}: no records`);
  const summary: ImportSummary = {
    file,
    kind: state.kind,
    complete: state.complete,
    interrupted: interrupted.requested && !state.complete,
    resumedAfterLine: resumedAfter,
    lastAcknowledgedLine: state.lastAckLine,
    thisRun,
    totals: state.totals,
    reportFile,
    stateFile,
  };
  const exitCode = summary.interrupted ? 130 : state.totals.rejected > 0 ? exitCodes.problem : exitCodes.ok;
  return { summary, exitCode };
}
