/**
 * What a new user hits in the first hour (issue 16, part c), each through the running local system:
 * the README walk-through pasted as written, simulate agreeing with validate, lawful basis, bodyless
 * POSTs, internationalised e-mail addresses, the secrets route, /dashboard/, and `npm start` itself
 * (stopped through npm, without Java, with a port taken).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import defaultModel from '../../shared/data/risk-models/default.json' with { type: 'json' };
import { api, jobOf, lawfulBasis, runId } from '../helpers/local.js';

const run = promisify(execFile);
const stackLine = /^\s+at\s/m;

/** Throw-away directories (data, fake PATHs), removed when the file is done. */
const scratch: string[] = [];
const scratchDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('the README walk-through, pasted as written', () => {
  it('waits for segmentation, shows both segments, and its transactions move the first customer to high', async () => {
    // Prepare: the README's bash block, pointed at this system instead of 127.0.0.1:3000 and .data.
    const readme = readFileSync(resolve('README.md'), 'utf8');
    const block = /```bash\n([\s\S]*?)```/.exec(
      readme.slice(readme.indexOf('## Walk-through with curl')),
    )?.[1];
    const { apiUrl, dataDir } = inject('runtime');
    const batchFile = join(scratchDir('riskloop-walk-'), 'batch.json');
    const script = (block ?? '')
      .replace('API=http://127.0.0.1:3000', `API=${apiUrl}`)
      .replaceAll('./.data/credentials.json', join(dataDir, 'credentials.json'))
      .replaceAll('/tmp/riskloop-batch.json', batchFile);
    expect(script).toContain(`API=${apiUrl}`);
    expect(script).not.toContain('.data/credentials.json"');

    // Act: its loops wait as long as segmentation takes; the timeout only bounds a broken run.
    const { stdout } = await run('bash', ['-c', script], { timeout: 60_000 });

    // Assess: every answer is JSON; none is a 404 or a count of zero.
    const answers = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const [batch, second, first, transactions, moved, counts] = answers;
    expect(answers).toHaveLength(6);
    expect(batch.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    expect(second).toMatchObject({
      segment: 'critical',
      reasonCodes: expect.arrayContaining(['SANCTIONS_HIT']),
    });
    expect(first).toMatchObject({ segment: 'low', score: 0 });
    expect(transactions.summary).toMatchObject({ accepted: 3 });
    expect(moved).toMatchObject({ segment: 'high', previousSegment: 'low', score: 65 });
    expect(moved.reasonCodes).toEqual(
      expect.arrayContaining(['STRUCTURING_PATTERN', 'CASH_INTENSIVE', 'HIGH_RISK_COUNTERPARTY_COUNTRIES']),
    );
    const count = (name: string) => counts.segments.find((s: { name: string }) => s.name === name)?.count;
    expect(count('high')).toBeGreaterThanOrEqual(1);
    expect(count('critical')).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

describe('simulating an inline draft agrees with /validate', () => {
  // As a user writes one: no server-owned fields, or an empty createdAt copied from an example.
  const draft = (metadata: Record<string, unknown>) => {
    const { version: _v, status: _s, ...model } = structuredClone(defaultModel);
    return { ...model, metadata: { author: 'compliance@bank.example', changeNote: 'Try', ...metadata } };
  };

  it('simulates every draft /validate calls valid (no 500 over metadata.createdAt)', async () => {
    for (const model of [draft({}), draft({ createdAt: '' }), draft({ createdAt: 'yesterday' })]) {
      const validated = await api('analyst', 'POST', '/v1/risk-models/validate', model);
      expect(validated.body).toEqual({ valid: true, issues: [] });

      const { started, job } = await jobOf('analyst', '/v1/risk-models/simulate', { model });
      expect(started.status).toBe(202);
      expect(job.status).toBe('succeeded');
      expect(job.result.candidate).toEqual({ modelId: 'aml-default', version: 0 });
    }
  });

  it('refuses a draft /validate calls invalid with a 400 naming the same fields', async () => {
    const model = { ...draft({}), segments: [] };
    const validated = await api('analyst', 'POST', '/v1/risk-models/validate', model);
    const simulated = await api('analyst', 'POST', '/v1/risk-models/simulate', { model });

    expect(validated.body.valid).toBe(false);
    expect(simulated.status).toBe(400);
    expect(simulated.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      validated.body.issues.map((i: { path: string }) => i.path),
    );
  });
});

describe('a customer record without any lawfulBasis', () => {
  it('is rejected with LAWFUL_BASIS_MISSING, as documented, not VALIDATION_FAILED', async () => {
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [{ externalId: `FH-LB-${runId()}`, type: 'individual', jurisdictions: ['DE'] }],
    });

    expect(res.status).toBe(207);
    expect(res.body.results[0]).toMatchObject({ status: 'rejected', code: 'LAWFUL_BASIS_MISSING' });
  });
});

describe('POST routes that need no body', () => {
  /** A POST exactly as `curl -X POST` sends it: no body, no Content-Type. */
  const bare = (path: string, headers: Record<string, string> = {}) =>
    api('admin', 'POST', path, undefined, headers);

  it('take no body at all as {} (the 404s come from the handlers: the body was accepted)', async () => {
    const publish = await bare('/v1/risk-models/aml-default/versions/9999/publish');
    const retire = await bare('/v1/risk-models/aml-default/versions/9999/retire');
    const scoring = await bare('/v1/scoring-models/9999/publish');
    const secrets = await bare('/v1/webhooks/surveys/no-such-tool/secrets');

    for (const res of [publish, retire, scoring, secrets]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('still answer 415 to a body, or a declared type, that is not JSON', async () => {
    const typed = await bare('/v1/risk-models/aml-default/versions/9999/publish', {
      'content-type': 'text/plain',
    });
    expect(typed.status).toBe(415);
  });

  it('the secrets route takes {} or nothing: unknown fields are a 400 naming them, and nothing is rotated', async () => {
    const res = await api('admin', 'POST', '/v1/webhooks/surveys/riskloop/secrets', {
      secret: 'mine',
      id: 'x',
    });

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', message: 'Unknown field(s): secret, id' }),
    ]);
  });
});

describe('internationalised e-mail addresses', () => {
  it('are accepted (RFC 6531), while garbage still is not', async () => {
    const id = runId();
    const record = (n: number, email: string) => ({
      externalId: `FH-MAIL-${id}-${n}`,
      type: 'individual',
      personalData: { email },
      jurisdictions: ['DE'],
      lawfulBasis,
    });
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [record(1, 'jürgen@bücher.de'), record(2, '用户@例子.广告'), record(3, 'jürgen@@bücher.de')],
    });

    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'accepted',
      'rejected',
    ]);
    expect(res.body.results[2].details).toEqual([expect.objectContaining({ path: 'personalData.email' })]);
  });
});

describe('/dashboard/ with a trailing slash', () => {
  it('reaches the dashboard route and is sent to /dashboard, where the page loads', async () => {
    const { apiUrl } = inject('runtime');
    const slash = await fetch(`${apiUrl}/dashboard/`, { redirect: 'manual' });
    expect(slash.status).toBe(301);
    expect(new URL(slash.headers.get('location') ?? '', `${apiUrl}/dashboard/`).href).toBe(
      `${apiUrl}/dashboard`,
    );

    const followed = await fetch(`${apiUrl}/dashboard/`);
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`${apiUrl}/dashboard`);
    expect(await followed.text()).toContain('<title>riskloop dashboard</title>');
  });
});

/** `npm start`'s entry point with this environment, as a user's shell would start it. */
function startLocal(
  env: Record<string, string>,
  command = [process.execPath, '--import', 'tsx', 'infra/local/start.ts'],
) {
  const dataDir = scratchDir('riskloop-first-hour-');
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, {
    env: { ...process.env, RISKLOOP_DATA_DIR: dataDir, RISKLOOP_DYNAMODB_IN_MEMORY: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, dataDir, exited, output: () => output };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Processes whose parent is `pid`, and theirs (Linux /proc). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0; ) {
    frontier = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...frontier);
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

describe('npm start', () => {
  const started: ChildProcess[] = [];
  const leftovers: number[] = [];
  afterEach(() => {
    // Only what this test started: its own children and their descendants, by process id.
    for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('stops everything, the Java child included, on a SIGINT sent to npm alone', async () => {
    // Prepare: `npm start` on free ports; wait until it runs.
    const local = startLocal({ RISKLOOP_PORT: '0', RISKLOOP_RANDOM_PORTS: 'true' }, ['npm', 'start']);
    started.push(local.child);
    const stateFile = join(local.dataDir, 'runtime.json');
    await within(
      (async () => {
        while (!existsSync(stateFile)) await new Promise((r) => setTimeout(r, 200));
      })(),
      60_000,
      `npm start did not start:\n${local.output()}`,
    );
    const tree = descendants(local.child.pid as number);
    leftovers.push(...tree);
    const java = tree.filter((pid) => commandOf(pid).includes('DynamoDBLocal.jar'));
    expect(java).toHaveLength(1);

    // Act: the signal npm gets on Ctrl-C, or from a process manager, sent to npm only.
    process.kill(local.child.pid as number, 'SIGINT');

    // Assess: npm exits, and nothing it started is left running.
    await within(local.exited, 30_000, `npm start still running after SIGINT:\n${local.output()}`);
    for (let i = 0; i < 50 && tree.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(tree.filter(alive).map(commandOf)).toEqual([]);
    expect(existsSync(stateFile)).toBe(false);
  }, 120_000);

  it('without Java says what to install, and exits non-zero without a stack trace', async () => {
    const emptyPath = scratchDir('riskloop-no-java-');
    const local = startLocal({ PATH: emptyPath, RISKLOOP_PORT: '0', RISKLOOP_RANDOM_PORTS: 'true' });
    started.push(local.child);

    const code = await within(local.exited, 60_000, 'start without Java');

    expect(code).not.toBe(0);
    expect(local.output()).toContain('Java was not found');
    expect(local.output()).toContain('apt-get install openjdk-17-jre-headless');
    expect(local.output()).not.toMatch(stackLine);
  }, 90_000);

  it('with a Java older than 17 names the version it found and the one it needs', async () => {
    const fakeJava = scratchDir('riskloop-old-java-');
    writeFileSync(join(fakeJava, 'java'), '#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n', {
      mode: 0o755,
    });
    const local = startLocal({ PATH: fakeJava, RISKLOOP_PORT: '0', RISKLOOP_RANDOM_PORTS: 'true' });
    started.push(local.child);

    const code = await within(local.exited, 60_000, 'start with Java 11');

    expect(code).not.toBe(0);
    expect(local.output()).toContain('Java 11 was found, but DynamoDB Local needs Java 17 or later');
    expect(local.output()).not.toMatch(stackLine);
  }, 90_000);

  it('with port 8000 (or any of its ports) taken names the setting that moves it', async () => {
    // Prepare: another program holds the DynamoDB and SQS ports; the others are free.
    const holders: Server[] = [];
    const hold = async () => {
      const server = createServer();
      holders.push(server);
      await new Promise<void>((r) => server.listen(0, r));
      return String((server.address() as { port: number }).port);
    };
    const free = async () => {
      const port = await hold();
      await new Promise((r) => holders.pop()?.close(r));
      return port;
    };
    const [dynamodb, sqs] = [await hold(), await hold()];
    const [kms, eventbridge] = [await free(), await free()];
    try {
      const local = startLocal({
        RISKLOOP_PORT: '0',
        RISKLOOP_DYNAMODB_PORT: dynamodb,
        RISKLOOP_SQS_PORT: sqs,
        RISKLOOP_KMS_PORT: kms,
        RISKLOOP_EVENTBRIDGE_PORT: eventbridge,
      });
      started.push(local.child);

      const code = await within(local.exited, 60_000, 'start with ports taken');

      expect(code).not.toBe(0);
      expect(local.output()).toContain(`Port ${dynamodb} (DynamoDB Local) is already in use`);
      expect(local.output()).toContain('RISKLOOP_DYNAMODB_PORT=');
      expect(local.output()).toContain(`Port ${sqs} (SQS endpoint) is already in use`);
      expect(local.output()).not.toMatch(stackLine);
    } finally {
      for (const server of holders) server.close();
    }
  }, 90_000);
});
