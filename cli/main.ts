/**
 * `riskloop`: the command line of the riskloop API (docs/cli.md). It speaks HTTP only, so it works
 * the same against `npm start` and a deployed stage. Exit codes: 0 ok, 1 the operation found a
 * problem (rows rejected, audit trail not intact, API refused the request), 2 usage error,
 * 3 connection or authentication failure; 130 an import stopped by Ctrl-C (resumable).
 */
import { parseArgs } from 'node:util';
import { decideRequest, pendingApprovals } from './approvals.js';
import { ApiClient, type ApiRole, CliError, exitCodes, resolveKey, usageError } from './client.js';
import {
  activeJobs,
  auditVerify,
  explain,
  exportSegments,
  followJob,
  importModel,
  kpis,
  type Outcome,
  resegment,
  segments,
  simulate,
  train,
} from './commands.js';
import { type ImportSummary, runImport } from './import.js';
import type { Kind } from './records.js';
import { login, loginWithDeviceCode, logout, sessionFile, sessionToken, signInSettings } from './session.js';

const help = `riskloop <command> [options]

Commands
  import <file.csv|file.jsonl>   bulk ingestion (customers or transactions), resumable
      --kind customers|transactions   (default: from the header / first record)
      --restart                       ignore the saved position and start from the top
      --batch-size N                  records per request (max and default: 100 customers, 500 transactions)
      --report FILE                   where rejected rows go (default: <file>.errors.jsonl)
  segments                       customers per segment
  explain <externalId>           a customer's segment, score and the rules that fired
  resegment                      re-segment everyone and follow the run
      --older-than-days N             only decisions older than N days
      --scope all|due                 everyone (default) or only due decisions, as the daily run
      --detach                        start the run and return at once
      --timeout SECONDS               stop following after this long (default 600)
  train                          train a scoring model on the audit outcomes (a job) and follow it
      --kind logistic|trees|both      the kind of model (default logistic); both: compare on one split
      --exclude a,b                   variables to leave out, beyond the protected ones
      --seed N                        the train / validation split's seed
      --publish                       put the trained version in use
      --detach, --timeout             as for resegment
  import-model FILE              import an XGBoost model saved as JSON (docs/predictive-models.md)
      --variables a,b                 the declared variables it reads, in column order (default: all)
      --publish                       put it in use (everyone is re-scored)
  export --out FILE              the segment register (a job): every decision in force, as JSON lines
      --segment NAME                  one segment only
      --timeout SECONDS               as for resegment
  jobs                           the jobs queued or running, newest first
  job <jobId>                    follow a job until it ends (progress bar)
      --cancel                        ask it to stop first
  simulate <draft.json>          simulate a risk-model draft (or a simulation request) on the population
      --sample-size N                 customers listed in the sample (0-100)
  kpis                           KPI summary (capture rate, precision, recall, cases, NPS)
      --months N                      trend window
  audit verify                   verify the hash-chained audit trail (exit 1 when not intact)
      --day YYYY-MM-DD                one day only
      --from, --to YYYY-MM-DD         a range of up to 31 days, as a job (progress bar)
  approvals                      four-eyes requests waiting for your decision (docs/auth.md)
  approvals approve|reject|withdraw <approvalId>
      --reason CODE                   why, as an upper-case code (approving needs riskloop login)

  login                          sign in as a person (OpenID Connect, authorization code + PKCE, loopback redirect)
      --issuer URL                    the provider (default $RISKLOOP_OIDC_ISSUER, else the local one)
      --client-id ID                  the CLI's client id there (default $RISKLOOP_OIDC_CLIENT_ID or riskloop-cli)
      --device                        device code instead: confirm a code on any device (no local browser)
  logout                         revoke the refresh token and forget the session

Global options
  --url URL     API base URL (default $RISKLOOP_URL or http://127.0.0.1:3000)
  --key KEY     API key (default $RISKLOOP_API_KEY, else the signed-in person's token (riskloop login),
                else the local system's key for the command's role)
  --json        one JSON document on stdout, nothing else there
  --quiet       no progress output
  --help        this text

Exit codes: 0 ok, 1 problem found (rows rejected, trail not intact, request refused),
2 usage error, 3 connection or authentication failure, 130 import interrupted (run again to resume).
`;

const options = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  kind: { type: 'string' },
  restart: { type: 'boolean' },
  'batch-size': { type: 'string' },
  report: { type: 'string' },
  'older-than-days': { type: 'string' },
  scope: { type: 'string' },
  detach: { type: 'boolean' },
  timeout: { type: 'string' },
  'sample-size': { type: 'string' },
  months: { type: 'string' },
  day: { type: 'string' },
  exclude: { type: 'string' },
  seed: { type: 'string' },
  variables: { type: 'string' },
  publish: { type: 'boolean' },
  cancel: { type: 'boolean' },
  out: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  segment: { type: 'string' },
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  device: { type: 'boolean' },
  reason: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** The role whose local key a command uses when no key is given. */
const roleOf: Record<string, ApiRole> = {
  import: 'ingest',
  segments: 'analyst',
  explain: 'analyst',
  simulate: 'analyst',
  kpis: 'analyst',
  resegment: 'admin',
  train: 'admin',
  'import-model': 'admin',
  export: 'compliance',
  job: 'admin',
  jobs: 'analyst',
  audit: 'compliance',
  // Deciding needs a signed-in person; listing works with any deciding role.
  approvals: 'admin',
};

function wholeNumber(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw usageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function expectArgs(command: string, args: string[], count: number, what: string): void {
  if (args.length !== count) throw usageError(`${command} expects ${what}`);
}

async function run(argv: string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help) {
    process.stdout.write(help);
    return exitCodes.ok;
  }
  if (!command) throw usageError('no command given');
  if (command === 'login') {
    expectArgs('login', args, 0, 'no arguments');
    const settings = signInSettings({ issuer: values.issuer, clientId: values['client-id'] });
    if (values.device) {
      await loginWithDeviceCode(settings, (url, userCode) => {
        process.stderr.write(`On any device, open\n\n  ${url}\n\nand confirm the code ${userCode}\n\n`);
      });
    } else {
      await login(settings, (url) => {
        process.stderr.write(`Open this address in your browser to sign in:\n\n  ${url}\n\n`);
      });
    }
    process.stderr.write(`Signed in; the session is kept in ${sessionFile()} (readable by you only)\n`);
    return exitCodes.ok;
  }
  if (command === 'logout') {
    expectArgs('logout', args, 0, 'no arguments');
    const outcome = await logout();
    process.stderr.write(
      outcome === 'revoked' ? 'Signed out: the refresh token is revoked\n' : 'Not signed in\n',
    );
    return exitCodes.ok;
  }
  const role = roleOf[command];
  if (!role) throw usageError(`unknown command "${command}"`);
  // Arguments are checked before any key or network use: a usage error is a usage error, whatever the setup.
  const check: Record<string, () => void> = {
    import: () => {
      expectArgs('import', args, 1, 'one file');
      if (values.kind !== undefined && values.kind !== 'customers' && values.kind !== 'transactions')
        throw usageError('--kind must be customers or transactions');
    },
    segments: () => expectArgs('segments', args, 0, 'no arguments'),
    explain: () => expectArgs('explain', args, 1, 'one external id'),
    resegment: () => {
      expectArgs('resegment', args, 0, 'no arguments');
      if (values.scope !== undefined && values.scope !== 'all' && values.scope !== 'due')
        throw usageError('--scope must be all or due');
    },
    simulate: () => expectArgs('simulate', args, 1, 'one draft file'),
    train: () => {
      expectArgs('train', args, 0, 'no arguments');
      if (values.kind !== undefined && !['logistic', 'trees', 'both'].includes(values.kind))
        throw usageError('--kind must be logistic, trees or both');
    },
    'import-model': () => expectArgs('import-model', args, 1, 'one model file'),
    jobs: () => expectArgs('jobs', args, 0, 'no arguments'),
    job: () => {
      expectArgs('job', args, 1, 'one job id');
      if (!/^(job-[A-Za-z0-9-]{1,80}|run-[A-Za-z0-9_-]{1,100})$/.test(args[0] as string))
        throw usageError('a job id looks like job-<uuid> (or run-<id> for a re-segmentation run)');
    },
    export: () => {
      expectArgs('export', args, 0, 'no arguments');
      if (!values.out) throw usageError('export needs --out FILE');
    },
    kpis: () => expectArgs('kpis', args, 0, 'no arguments'),
    approvals: () => {
      if (args.length === 0) return;
      const [decision, approvalId] = args;
      if (args.length !== 2 || !['approve', 'reject', 'withdraw'].includes(decision as string))
        throw usageError('usage: riskloop approvals [approve|reject|withdraw APPROVAL_ID --reason CODE]');
      if (!/^apr_[A-Za-z0-9_-]{22}$/.test(approvalId as string))
        throw usageError('a request id looks like apr_ and 22 characters (riskloop approvals lists them)');
      if (!values.reason || !/^[A-Z][A-Z0-9_]{1,63}$/.test(values.reason))
        throw usageError('--reason must be an upper-case code such as REVIEWED_OK');
    },
    audit: () => {
      if (args.length !== 1 || args[0] !== 'verify')
        throw usageError('usage: riskloop audit verify [--day YYYY-MM-DD]');
      for (const [name, value] of [
        ['day', values.day],
        ['from', values.from],
        ['to', values.to],
      ] as const)
        if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value))
          throw usageError(`--${name} must be YYYY-MM-DD`);
      if (values.day !== undefined && (values.from !== undefined || values.to !== undefined))
        throw usageError('--day, or --from and --to, not both');
    },
  };
  check[command]?.();
  const batchSize = wholeNumber('batch-size', values['batch-size'], 1, 500);
  const olderThanDays = wholeNumber('older-than-days', values['older-than-days'], 0, 3650);
  const timeoutSeconds = wholeNumber('timeout', values.timeout, 1, 86_400) ?? 600;
  const sampleSize = wholeNumber('sample-size', values['sample-size'], 0, 100);
  const months = wholeNumber('months', values.months, 1, 60);
  const seed = wholeNumber('seed', values.seed, -2_147_483_648, 2_147_483_647);

  const url = values.url ?? process.env.RISKLOOP_URL ?? 'http://127.0.0.1:3000';
  // A signed-in person's token comes after an explicit key, before the local system's keys.
  const explicitKey = values.key ?? process.env.RISKLOOP_API_KEY;
  const client = new ApiClient(url, (!explicitKey && (await sessionToken())) || resolveKey(values.key, role));
  const quiet = values.quiet === true;

  if (command === 'import') {
    const { summary, exitCode } = await runImport(client, {
      file: args[0] as string,
      ...(values.kind ? { kind: values.kind as Kind } : {}),
      restart: values.restart === true,
      ...(batchSize ? { batchSize } : {}),
      ...(values.report ? { reportFile: values.report } : {}),
      quiet,
    });
    print(values.json === true, { json: summary, text: importText(summary), exitCode }, true);
    return exitCode;
  }
  const outcome: Outcome =
    command === 'segments'
      ? await segments(client)
      : command === 'explain'
        ? await explain(client, args[0] as string)
        : command === 'resegment'
          ? await resegment(client, {
              ...(olderThanDays === undefined ? {} : { olderThanDays }),
              ...(values.scope ? { scope: values.scope as 'all' | 'due' } : {}),
              wait: values.detach !== true,
              timeoutSeconds,
              quiet,
            })
          : command === 'train'
            ? await train(
                client,
                {
                  ...(values.kind ? { kind: values.kind as 'logistic' | 'trees' | 'both' } : {}),
                  ...(values.exclude ? { exclude: values.exclude.split(',').filter(Boolean) } : {}),
                  ...(seed === undefined ? {} : { seed }),
                  publish: values.publish === true,
                },
                { wait: values.detach !== true, timeoutSeconds, quiet },
              )
            : command === 'import-model'
              ? await importModel(client, {
                  file: args[0] as string,
                  ...(values.variables ? { variables: values.variables.split(',').filter(Boolean) } : {}),
                  publish: values.publish === true,
                })
              : command === 'export'
                ? await exportSegments(
                    client,
                    { ...(values.segment ? { segment: values.segment } : {}), out: values.out as string },
                    { timeoutSeconds, quiet },
                  )
                : command === 'jobs'
                  ? await activeJobs(client)
                  : command === 'approvals'
                    ? args.length === 0
                      ? await pendingApprovals(client)
                      : await decideRequest(
                          client,
                          args[0] as 'approve' | 'reject' | 'withdraw',
                          args[1] as string,
                          values.reason as string,
                        )
                    : command === 'job'
                      ? await followJob(client, args[0] as string, {
                          timeoutSeconds,
                          quiet,
                          cancel: values.cancel === true,
                        })
                      : command === 'simulate'
                        ? await simulate(client, args[0] as string, sampleSize)
                        : command === 'kpis'
                          ? await kpis(client, months)
                          : await auditVerify(
                              client,
                              values.day,
                              values.from || values.to
                                ? {
                                    from: (values.from ?? values.to) as string,
                                    to: (values.to ?? values.from) as string,
                                    timeoutSeconds,
                                    quiet,
                                  }
                                : undefined,
                            );
  print(values.json === true, outcome, false);
  return outcome.exitCode;
}

function importText(s: ImportSummary): string[] {
  const t = s.totals;
  return [
    s.complete
      ? `Imported ${s.kind} from ${s.file}${s.resumedAfterLine !== null ? ` (resumed after line ${s.resumedAfterLine})` : ''}`
      : `Stopped after line ${s.lastAcknowledgedLine}: run the same command again to resume`,
    `  this run: ${s.thisRun.sent} sent, ${s.thisRun.accepted} accepted, ${s.thisRun.duplicates} duplicate, ${s.thisRun.rejected} rejected`,
    `  in total: ${t.sent} sent, ${t.accepted} accepted, ${t.duplicates} duplicate, ${t.rejected} rejected`,
    ...(t.rejected > 0 ? [`  rejected rows (line numbers, codes): ${s.reportFile}`] : []),
  ];
}

/** Human text on stdout (import summaries on stderr, beside the progress), or one JSON document. */
function print(json: boolean, outcome: Outcome, toStderr: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(outcome.json, null, 2)}\n`);
    return;
  }
  (toStderr ? process.stderr : process.stdout).write(`${outcome.text.join('\n')}\n`);
}

const argv = process.argv.slice(2);
const json = argv.includes('--json');
run(argv).then(
  // Exit explicitly: kept-alive HTTP sockets must not hold a finished command open (stdout and
  // stderr are synchronous for files and pipes on Linux and macOS, so nothing written is lost).
  (code) => process.exit(code),
  (error: unknown) => {
    const cliError =
      error instanceof CliError
        ? error
        : new CliError(`unexpected failure: ${(error as Error).message}`, exitCodes.problem);
    process.stderr.write(`riskloop: ${cliError.message}\n`);
    if (cliError.exitCode === exitCodes.usage) process.stderr.write('Try: riskloop --help\n');
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: { message: cliError.message, exitCode: cliError.exitCode } })}\n`,
      );
    process.exit(cliError.exitCode);
  },
);
