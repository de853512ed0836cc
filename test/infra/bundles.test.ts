import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceMapsDir } from '../../infra/cdk/bundling.js';
import { repoRoot } from '../../infra/cdk/functions.js';
import { type FunctionName, functions, resourceName } from '../../infra/manifest.js';
import { loadUnderNode24, node24Binary } from './node24.js';
import { props, resourcesOfType, type Synthesized, synthRiskloop } from './synth.js';

/**
 * The real esbuild bundles, as `cdk synth` produces them (local esbuild, no Docker): ESM, minified,
 * AWS SDK inside, JSON data inlined, and each function's whole asset (every file deployed: the
 * bundle and what a bundling hook writes beside it) within the size budget. Source maps are kept in
 * the cloud assembly, not deployed (infra/cdk/bundling.ts says why).
 */
const budgetBytes = 400 * 1024;

/**
 * Functions measured above the 400 KB budget, each with a ceiling it must stay under and the reason.
 * An entry must be removed once its function fits the budget (the test below says so). Both compile
 * and evaluate rules, so they need the CEL engine (81-83 KB) and zod (58 KB, the model's schema),
 * and a second SDK client; with the AWS SDK and the logger (about 203 KB with the DynamoDB client
 * alone) their libraries leave less of the budget than their own code takes. (The simulation
 * worker, with the same two libraries and one client, fits with little to spare.) Figures from
 * esbuild's metafile on 2026-12-07 (riskModelsApi again on 2026-12-08, 500,328 bytes, after four-eyes
 * decisions came in); ceilings: the size measured that day plus about 3 %.
 */
const overBudget: Record<string, { ceilingBytes: number; reason: string }> = {
  riskModelsApi: {
    ceilingBytes: 503 * 1024,
    reason:
      'libraries 378 KB: AWS SDK with the DynamoDB and SQS clients 215 KB (simulation and publication ' +
      'runs), CEL engine 83 KB (drafts are validated and compiled), zod 58 KB, logger 21 KB; its own ' +
      'code 96 KB (compiler, document, diff, four-eyes requests and decisions) and the default model 7 KB',
  },
  segmentWorker: {
    ceilingBytes: 475 * 1024,
    reason:
      'libraries 375 KB: AWS SDK with the DynamoDB and EventBridge clients 209 KB (workflow events), ' +
      'CEL engine 81 KB and zod 58 KB (the published model is compiled), logger 21 KB, Powertools ' +
      'batch 6 KB; its own code 80 KB and the default model 7 KB',
  },
};

/** Functions that call no AWS service (the public API reference): no SDK in their bundle at all. */
const withoutAws: ReadonlySet<string> = new Set(['apiDocs', 'dashboard']);

/**
 * Files a function ships beside its bundle (written by a bundling hook), each with a ceiling of its
 * own; they count towards the function's budget like the bundle. The dashboard's browser assets,
 * measured: script 267 KB (Observable Plot 0.6.17 with the d3 modules it uses, minified),
 * stylesheet 3 KB, 275,903 bytes as JSON (92 KB gzipped); with its 36,308-byte bundle, 312,211
 * bytes: the dashboard's whole asset fits the budget. The console (issue 21) adds its script, 27 KB
 * (Preact 11.2.0 and the console's pages, minified), and a 2 KB stylesheet: 306,717 bytes as JSON
 * on 2026-12-08, within the same ceiling. The console's budget: 40 KB of script.
 */
const besideBundle: Record<string, Record<string, { ceilingBytes: number; reason: string }>> = {
  dashboard: {
    'dashboard-assets.json': {
      ceilingBytes: 320 * 1024,
      reason: 'dashboard and console scripts and stylesheets',
    },
  },
};

let s: Synthesized;
const bundles = new Map<FunctionName, { dir: string; code: string; assetBytes: number }>();

beforeAll(() => {
  s = synthRiskloop();
  const byName = new Map(
    resourcesOfType(s.serviceJson, 'AWS::Lambda::Function').map(([, f]) => [
      String(props(f).FunctionName),
      String((props(f).Code as { S3Key: string }).S3Key).replace(/\.zip$/, ''),
    ]),
  );
  for (const name of Object.keys(functions) as FunctionName[]) {
    const hash = byName.get(resourceName('dev', name));
    const dir = join(s.assembly.directory, `asset.${hash}`);
    // Every file of the asset counts: it is all deployed, and Lambda unpacks all of it.
    const assetBytes = readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
    bundles.set(name, { dir, code: readFileSync(join(dir, 'index.mjs'), 'utf8'), assetBytes });
  }
}, 180_000);
afterAll(() => s?.cleanup());

const names = Object.keys(functions) as FunctionName[];

/**
 * What Lambda gives the function at a cold start: the template's environment (values only known at deploy,
 * such as queue URLs and key ARNs, replaced by stand-ins of the same shape) and Lambda's own variables.
 */
function lambdaEnvironment(name: FunctionName): Record<string, string> {
  const [, fn] = resourcesOfType(s.serviceJson, 'AWS::Lambda::Function').find(
    ([, f]) => props(f).FunctionName === resourceName('dev', name),
  ) ?? [undefined, undefined];
  const variables = (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
  const standIn = (key: string) =>
    key.endsWith('_URL')
      ? 'https://sqs.eu-west-1.amazonaws.com/123456789012/riskloop-dev-stand-in'
      : 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000';
  return {
    ...Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : standIn(key),
      ]),
    ),
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_LAMBDA_FUNCTION_NAME: resourceName('dev', name),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(functions[name].memoryMb),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_ACCESS_KEY_ID: 'ASIASTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in',
    AWS_SESSION_TOKEN: 'stand-in',
    TZ: ':UTC',
  };
}
const bundle = (name: FunctionName) => {
  const b = bundles.get(name);
  if (!b) throw new Error(`no bundle for ${name}`);
  return b;
};

describe('function bundles', () => {
  it.each(names)('%s: one ESM file and nothing else (no source map)', (name) => {
    const { dir, code } = bundle(name);
    const extra = Object.keys(besideBundle[name] ?? {});
    expect(readdirSync(dir).sort()).toEqual(['index.mjs', ...extra].sort());
    expect(code.startsWith("import { createRequire } from 'module';")).toBe(true);
    // Assertions on booleans: a failing matcher would print the whole bundle.
    expect(/export\s*\{[^}]*\bas handler\b[^}]*\}/.test(code)).toBe(true);
    expect(code.includes('sourceMappingURL')).toBe(false);
  });

  it.each(names)('%s: its source map kept in the cloud assembly, for stack traces', (name) => {
    const file = join(s.assembly.directory, sourceMapsDir, `${resourceName('dev', name)}.mjs.map`);
    const map = JSON.parse(readFileSync(file, 'utf8')) as { version: number; sources: string[] };
    expect(map.version).toBe(3);
    expect(map.sources.some((source) => source.endsWith(functions[name].entry))).toBe(true);
  });

  it.each(names)("%s: carries its own manifest entry, not the other functions' ones", (name) => {
    const { code } = bundle(name);
    // The authoriser and the API reference read every route; the jobs API, its workers' timeouts.
    const everyone = ['authorizer', 'apiDocs'];
    const alsoReads: Partial<Record<FunctionName, FunctionName[]>> = {
      jobsApi: ['scoringTrainer', 'auditVerifier', 'clusterReporter'],
    };
    const carried = names.filter((other) => code.includes(`"${functions[other].entry}"`));
    expect(carried.sort()).toEqual(
      everyone.includes(name) ? [...names].sort() : [name, ...(alsoReads[name] ?? [])].sort(),
    );
  });

  it.each(names)('%s: carries no event-stream codec and no JMESPath interpreter', (name) => {
    const { code } = bundle(name);
    // Replaced in every bundle (infra/cdk/no-event-streams.ts, infra/cdk/lambda-jmespath.ts).
    expect(code.includes('":message-type"')).toBe(false);
    expect(code.includes('powertools_json')).toBe(false);
  });

  it.each(names)('%s: minified', (name) => {
    const { code } = bundle(name);
    const lines = code.split('\n');
    expect(code.length / lines.length).toBeGreaterThan(1000);
  });

  it.each(names)('%s: carries the AWS SDK instead of importing it from the runtime', (name) => {
    const { code } = bundle(name);
    const external = [...code.matchAll(/(?:\brequire\(|\bfrom ?|\bimport\()["']([^"']+)["']/g)].map(
      (m) => m[1] ?? '',
    );
    const packages = new Set(external.filter((m) => !m.startsWith('node:') && !builtinModules.includes(m)));
    if (withoutAws.has(name)) {
      expect([...packages]).toEqual([]);
      expect(code.includes('@aws-sdk/')).toBe(false);
      return;
    }
    // At most the optional signers the SDK probes for in try/catch (S3 multi-region access points
    // only), in the bundles whose clients carry the multi-region signer.
    const optionalSigners = ['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a'];
    expect([...packages].filter((p) => !optionalSigners.includes(p))).toEqual([]);
    expect(code.includes('dynamodb')).toBe(true);
  });

  it.each(names)('%s: inlines JSON data and reads no .json file at run time', (name) => {
    const { code } = bundle(name);
    for (const dir of ['shared/data/risk-models', 'shared/data/fx']) {
      for (const file of readdirSync(join(repoRoot, dir)).filter((f) => f.endsWith('.json'))) {
        expect(code.includes(basename(file)), `${name} refers to ${file}`).toBe(false);
      }
    }
  });

  it('has the published risk model inlined into the worker', () => {
    const model = JSON.parse(
      readFileSync(join(repoRoot, 'shared/data/risk-models/default.json'), 'utf8'),
    ) as {
      metadata?: { changeNote?: string };
    };
    // A long string that exists only in the JSON file: present means inlined at build time.
    const marker = model.metadata?.changeNote ?? '';
    expect(marker.length).toBeGreaterThan(20);
    expect(bundle('segmentWorker').code.includes(JSON.stringify(marker).slice(1, -1))).toBe(true);
  });

  it.each(names)('%s: its whole asset within its size budget', (name) => {
    const { assetBytes } = bundle(name);
    const exception = overBudget[name];
    const limit = exception?.ceilingBytes ?? budgetBytes;
    expect(assetBytes, `${name} is ${assetBytes} bytes`).toBeLessThanOrEqual(limit);
    if (exception) {
      // The exception lapses once the function fits: delete its entry above.
      expect(assetBytes, `${name} now fits the ${budgetBytes} byte budget`).toBeGreaterThan(budgetBytes);
    }
  });

  it.each(
    Object.entries(besideBundle).flatMap(([fn, files]) =>
      Object.entries(files).map(([f, c]) => [fn, f, c] as const),
    ),
  )('%s: ships %s within its ceiling', (name, file, { ceilingBytes }) => {
    const bytes = statSync(join(bundle(name as FunctionName).dir, file)).size;
    expect(bytes, `${file} is ${bytes} bytes`).toBeLessThanOrEqual(ceilingBytes);
  });

  it.each(names)('%s: loads under Node 24, the Lambda runtime, and exports its handler', (name) => {
    const { nodeVersion, handler } = loadUnderNode24(
      join(bundle(name).dir, 'index.mjs'),
      lambdaEnvironment(name),
    );
    expect(nodeVersion).toMatch(/^v24\./);
    expect(handler).toBe('function');
  });

  it('leaves npm scripts and npx on the developer’s Node: no node_modules/.bin/node from the Node 24 package', () => {
    // infra/local/unshadow-node.mjs (postinstall) removes it; `npm ci --ignore-scripts` would leave it behind.
    expect(existsSync(join(repoRoot, 'node_modules/.bin/node'))).toBe(false);
    expect(existsSync(node24Binary())).toBe(true);
  });

  it('records an over-budget exception only for manifest functions', () => {
    for (const name of Object.keys(overBudget)) expect(names).toContain(name);
  });
});
