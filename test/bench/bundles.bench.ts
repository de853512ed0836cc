/**
 * Every function's deployment asset, built with the options `cdk synth` uses (infra/cdk/bundling.ts)
 * but without a synth: its size (every file deployed) against the 400 KB budget, and its module
 * initialisation time in a
 * fresh Node process against an empty handler bundled the same way that builds the same AWS SDK
 * clients, so the figure says what riskloop's own code adds to a cold start.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { buildDashboardAssets } from '../../dashboard/build.js';
import { prebuiltAssetsFile } from '../../functions/dashboard/assets.js';
import { esbuildOptions, repoRoot } from '../../infra/cdk/bundling.js';
import { type FunctionName, functions, settingsOf } from '../../infra/manifest.js';
import type { BenchResult } from './measure.js';

/** The budget test/infra/bundles.test.ts holds every asset to (with recorded exceptions). */
const budgetBytes = 400 * 1024;
const rounds = Number(process.env.BENCH_INIT_ROUNDS ?? 5);
const execFileAsync = promisify(execFile);

/** What an empty handler does with each SDK package the real bundle contains: build its client. */
const clientCode: Record<string, { imports: string; build: string; short: string }> = {
  '@aws-sdk/client-dynamodb': {
    imports: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    build: 'new DynamoDBClient({ maxAttempts: 5 })',
    short: 'DynamoDB',
  },
  '@aws-sdk/lib-dynamodb': {
    imports:
      "import { DynamoDBClient as DocBase } from '@aws-sdk/client-dynamodb';\n" +
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    build: 'DynamoDBDocumentClient.from(new DocBase({}))',
    short: '',
  },
  '@aws-sdk/client-sqs': {
    imports: "import { SQSClient } from '@aws-sdk/client-sqs';",
    build: 'new SQSClient({ maxAttempts: 5 })',
    short: 'SQS',
  },
  '@aws-sdk/client-kms': {
    imports: "import { KMSClient } from '@aws-sdk/client-kms';",
    build: 'new KMSClient({ maxAttempts: 5 })',
    short: 'KMS',
  },
  '@aws-sdk/client-eventbridge': {
    imports: "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';",
    build: 'new EventBridgeClient({ maxAttempts: 5 })',
    short: 'EventBridge',
  },
};

/**
 * The SDK client packages a bundle carries, from esbuild's metafile: inputs that put bytes into the
 * output (esbuild reads every imported file, including clients tree-shaking then drops).
 */
function sdkPackages(meta: Metafile): string[] {
  const found = new Set<string>();
  const kept = Object.values(meta.outputs).flatMap((o) =>
    Object.entries(o.inputs).flatMap(([input, { bytesInOutput }]) => (bytesInOutput > 0 ? [input] : [])),
  );
  for (const input of kept) {
    const m = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//.exec(input);
    if (m?.[1]) found.add(m[1]);
  }
  return [...found].sort();
}

function emptyHandler(packages: readonly string[]): string {
  const known = packages.flatMap((p) => (clientCode[p] ? [clientCode[p]] : []));
  const unknown = packages.filter((p) => !clientCode[p]).map((p) => `import '${p}';`);
  return [
    ...known.map((c) => c.imports),
    ...unknown,
    // Clients at module scope, as the handlers build theirs once per container.
    `const clients = [${known.map((c) => c.build).join(', ')}];`,
    'export const handler = async () => ({ statusCode: 200, body: String(clients.length) });',
  ].join('\n');
}

/**
 * The environment a function gets deployed (infra/cdk/functions.ts), with dummy values, and every
 * AWS endpoint pointing at a closed local port: module evaluation must not need the network.
 */
function environmentOf(name: FunctionName): NodeJS.ProcessEnv {
  const nowhere = 'http://127.0.0.1:9';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: nowhere,
    POWERTOOLS_SERVICE_NAME: 'riskloop',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    KEK_VERSION: 'kek1',
  };
  for (const setting of settingsOf(functions[name])) {
    if (setting.endsWith('_URL')) env[setting] = `${nowhere}/000000000000/bench-${setting.toLowerCase()}`;
    else if (setting.startsWith('KEY_')) {
      env[setting] = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000';
    } else env[setting] = `bench-${setting.toLowerCase().replaceAll('_', '-')}`;
  }
  return env;
}

/** Time from `import()` to the module evaluated (top-level await included), in a fresh process. */
const probe = [
  'const started = performance.now();',
  'try {',
  '  await import(process.env.BENCH_MODULE);',
  '  process.stdout.write(String(performance.now() - started));',
  '  process.exit(0);',
  '} catch (error) {',
  '  process.stderr.write(String(error?.message ?? error));',
  '  process.exit(1);',
  '}',
].join('\n');

async function initMs(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', probe], {
      env: { ...env, BENCH_MODULE: pathToFileURL(file).href },
      timeout: 60_000,
    });
    return Number(stdout);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`initialising ${file} failed: ${stderr || String(error)}`);
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'riskloop-bench-bundles-'));
  try {
    const names = Object.keys(functions) as FunctionName[];
    const built = new Map<FunctionName, { file: string; packages: string[] }>();
    for (const name of names) {
      const out = join(dir, name);
      const file = join(out, 'index.mjs');
      const result = await build({
        ...esbuildOptions(join(repoRoot, functions[name].entry), file),
        metafile: true,
      });
      // Synth moves the map out of the asset (sourceMapHooks); it is not deployed.
      rmSync(`${file}.map`);
      built.set(name, { file, packages: sdkPackages(result.metafile) });
    }
    // What the dashboard's bundling hook writes beside its bundle; without it, the function would
    // build its assets with esbuild at cold start (the local runtime's path), which Lambda never does.
    const dashboard = built.get('dashboard');
    if (dashboard) {
      writeFileSync(join(dir, 'dashboard', prebuiltAssetsFile), JSON.stringify(await buildDashboardAssets()));
    }

    const empties = new Map<string, string>();
    const emptyFor = async (packages: readonly string[]) => {
      const key = packages.join(',') || 'none';
      const existing = empties.get(key);
      if (existing) return existing;
      const out = join(dir, `empty-${empties.size}`);
      mkdirSync(out);
      const file = join(out, 'index.mjs');
      const { entryPoints: _entry, ...options } = esbuildOptions('', file);
      await build({
        ...options,
        stdin: { contents: emptyHandler(packages), resolveDir: repoRoot, loader: 'js' },
      });
      empties.set(key, file);
      return file;
    };

    const results: BenchResult[] = [];
    for (const name of names) {
      const out = join(dir, name);
      const bytes = readdirSync(out).reduce((sum, f) => sum + statSync(join(out, f)).size, 0);
      results.push({
        name: `bundle size: ${name}`,
        baseline: { label: 'budget', opsPerSec: budgetBytes, unit: 'bytes' },
        subject: { label: 'asset', opsPerSec: bytes, unit: 'bytes' },
        ratio: bytes / budgetBytes,
        target: 0,
        budget: 1,
      });
    }
    for (const name of names) {
      const { file, packages } = built.get(name) as { file: string; packages: string[] };
      const empty = await emptyFor(packages);
      const env = environmentOf(name);
      const emptyTimes: number[] = [];
      const bundleTimes: number[] = [];
      // Interleaved, so a burst of load from elsewhere on the machine hits both sides alike.
      for (let i = 0; i < rounds; i++) {
        emptyTimes.push(await initMs(empty, env));
        bundleTimes.push(await initMs(file, env));
      }
      const emptyMs = median(emptyTimes);
      const bundleMs = median(bundleTimes);
      const shorts = packages.map((p) => clientCode[p]?.short ?? p).filter(Boolean);
      const clients = shorts.length > 0 ? `+ ${shorts.join(', ')} clients` : 'without SDK';
      results.push({
        name: `module init: ${name}`,
        baseline: { label: `empty handler ${clients}`, opsPerSec: emptyMs, unit: 'ms' },
        subject: { label: 'bundle', opsPerSec: bundleMs, unit: 'ms' },
        ratio: emptyMs / bundleMs,
        target: 0,
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
