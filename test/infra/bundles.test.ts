import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/cdk/functions.js';
import { type FunctionName, functions, resourceName } from '../../infra/manifest.js';
import { props, resourcesOfType, type Synthesized, synthRiskloop } from './synth.js';

/**
 * The real esbuild bundles, as `cdk synth` produces them (local esbuild, no Docker): ESM, minified,
 * source-mapped, AWS SDK inside, JSON data inlined, and within the size budget.
 */
const budgetBytes = 400 * 1024;

/**
 * Functions measured above the 400 KB budget, each with a ceiling it must stay under and the reason.
 * An entry must be removed once its function fits the budget (the test below says so). A function
 * with only the DynamoDB client and the logger is about 240 KB minified (the authorizer). What
 * pushes these over: the CEL rule engine (~83 KB) where rules are compiled and evaluated (functions
 * that only read the model use published-document.ts and stay under), zod (~60 KB), Powertools
 * idempotency (~38 KB, ingestion only), and a second or third client (KMS ~28 KB, SQS ~24 KB,
 * EventBridge ~16 KB). Ceilings: the size measured on 2026-11-25 plus 2-4 %.
 */
const overBudget: Record<string, { ceilingBytes: number; reason: string }> = {
  ingestCustomers: { ceilingBytes: 450 * 1024, reason: 'zod, Powertools idempotency, KMS and SQS clients' },
  ingestTransactions: {
    ceilingBytes: 450 * 1024,
    reason: 'zod, Powertools idempotency, KMS and SQS clients',
  },
  readApi: { ceilingBytes: 490 * 1024, reason: 'CEL engine and risk model (explanations), zod' },
  riskModelsApi: {
    ceilingBytes: 525 * 1024,
    reason:
      'CEL engine, model validation and simulation, zod, SQS client (re-segmentation), aggregates reader (fan-out sized by the population)',
  },
  segmentWorker: {
    ceilingBytes: 500 * 1024,
    reason: 'CEL engine and risk model, zod, EventBridge client (workflow events)',
  },
  scoringApi: {
    ceilingBytes: 540 * 1024,
    reason: 'scoring and clustering domain, CEL engine, zod, SQS client (training jobs)',
  },
  clusterReporter: {
    ceilingBytes: 470 * 1024,
    reason: 'clustering and feature domain, CEL engine (the published model names protected variables), zod',
  },
  simulationWorker: {
    ceilingBytes: 460 * 1024,
    reason: 'CEL engine (the candidate model is compiled and evaluated), zod, Powertools batch',
  },
  scoringTrainer: {
    ceilingBytes: 475 * 1024,
    reason:
      'scoring domain, CEL engine (the published model names protected variables), zod, Powertools batch',
  },
  overridesApi: {
    ceilingBytes: 420 * 1024,
    reason: 'zod, SQS client, KMS client (the officer’s note is sealed under the subject key)',
  },
  privacyApi: {
    ceilingBytes: 420 * 1024,
    reason: 'zod, KMS client, a subject’s records across every table (export decrypts staff notes too)',
  },
  surveyWebhook: {
    ceilingBytes: 445 * 1024,
    reason:
      'provider mappings (zod), signature verification, KMS (webhook secrets) and SQS clients, Powertools ' +
      'Metrics (refused deliveries are counted, not audited)',
  },
};

/** Functions that call no AWS service (the public API reference): no SDK in their bundle at all. */
const withoutAws: ReadonlySet<string> = new Set(['apiDocs', 'dashboard']);

/**
 * Files a function ships beside its bundle (written by a bundling hook), each with a ceiling. The
 * dashboard's browser assets, measured: script 267 KB (Observable Plot 0.6.17 with the d3 modules
 * it uses, minified), stylesheet 3 KB, 275 KB as JSON (92 KB gzipped).
 */
const besideBundle: Record<string, Record<string, { ceilingBytes: number; reason: string }>> = {
  dashboard: {
    'dashboard-assets.json': { ceilingBytes: 320 * 1024, reason: 'dashboard script and stylesheet' },
  },
};

let s: Synthesized;
const bundles = new Map<FunctionName, { dir: string; code: string; bytes: number }>();

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
    const file = join(dir, 'index.mjs');
    bundles.set(name, { dir, code: readFileSync(file, 'utf8'), bytes: statSync(file).size });
  }
}, 180_000);
afterAll(() => s?.cleanup());

const names = Object.keys(functions) as FunctionName[];
const bundle = (name: FunctionName) => {
  const b = bundles.get(name);
  if (!b) throw new Error(`no bundle for ${name}`);
  return b;
};

describe('function bundles', () => {
  it.each(names)('%s: one ESM file with its source map, nothing else', (name) => {
    const { dir, code } = bundle(name);
    const extra = Object.keys(besideBundle[name] ?? {});
    expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map', ...extra].sort());
    expect(code.startsWith("import { createRequire } from 'module';")).toBe(true);
    // Assertions on booleans: a failing matcher would print the whole bundle.
    expect(/export\s*\{[^}]*\bas handler\b[^}]*\}/.test(code)).toBe(true);
    expect(code.includes('sourceMappingURL=index.mjs.map')).toBe(true);
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

  it.each(names)('%s: within its size budget', (name) => {
    const { bytes } = bundle(name);
    const exception = overBudget[name];
    const limit = exception?.ceilingBytes ?? budgetBytes;
    expect(bytes, `${name} is ${bytes} bytes`).toBeLessThanOrEqual(limit);
    if (exception) {
      // The exception lapses once the function fits: delete its entry above.
      expect(bytes, `${name} now fits the ${budgetBytes} byte budget`).toBeGreaterThan(budgetBytes);
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

  it('records an over-budget exception only for manifest functions', () => {
    for (const name of Object.keys(overBudget)) expect(names).toContain(name);
  });
});
