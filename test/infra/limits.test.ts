import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/cdk/bundling.js';
import {
  headroom,
  limitsMarkers,
  limitsSection,
  type MeasuredFigure,
  measureConfigurations,
  share,
  withLimitsTable,
} from '../../infra/limits/report.js';
import { TemplateResolver, worstCaseEnvironments } from '../../infra/limits/resolve.js';
import { asList, type PolicyStatementJson } from '../../infra/limits/template.js';
import { limitsDocument } from '../../infra/limits.js';
import { type FunctionName, functions } from '../../infra/manifest.js';
import { type Synthesized, synthRiskloop } from './synth.js';

/**
 * What would make CloudFormation, IAM or Lambda refuse the first deploy, checked on the synthesized templates
 * with every value resolved at its worst-case length (infra/limits/): the suite fails before AWS would.
 */
let figures: MeasuredFigure[];
beforeAll(() => {
  figures = measureConfigurations();
});

describe('limits of the synthesized stacks, values resolved at their worst case', () => {
  it('measures every stack of every configuration', () => {
    const stacks = new Set(figures.filter((f) => f.check === 'Resources per stack').map((f) => f.subject));
    expect([...stacks].sort()).toEqual([
      'riskloop-apigateway-logging',
      ...['api', 'data', 'service'].map((part) => `riskloop-longeststage-${part}`),
    ]);
    expect(new Set(figures.map((f) => f.configuration)).size).toBeGreaterThanOrEqual(2);
  });

  it(`keeps every figure at or below ${headroom * 100} % of its limit`, () => {
    const over = figures
      .filter((f) => share(f) > headroom)
      .map((f) => `${f.check}: ${f.value} of ${f.limit} (${f.source}) in ${f.subject}, ${f.configuration}`);
    expect(over).toEqual([]);
  });

  it('prints the current figures in docs/deploy.md (npm run limits -- --write)', () => {
    const document = readFileSync(join(repoRoot, limitsDocument), 'utf8');
    expect(document).toContain(limitsMarkers.begin);
    expect(withLimitsTable(document, limitsSection(figures))).toBe(document);
  });
});

describe('merged IAM policies grant exactly what the manifest statements grant', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthRiskloop({}, { bundle: false });
  });
  afterAll(() => s?.cleanup());

  /** Every (effect, action, resource, condition) a list of statements grants or denies. */
  function triples(statements: PolicyStatementJson[]): string[] {
    return statements
      .flatMap((st) =>
        asList(st.Action).flatMap((action) =>
          asList(st.Resource as string | string[]).map((resource) =>
            JSON.stringify([st.Effect, action, resource, st.Condition ?? null]),
          ),
        ),
      )
      .sort();
  }

  it.each(Object.keys(functions) as FunctionName[])('%s', (name) => {
    const fn = s.built.service.functions[name];
    const stack = Stack.of(fn);
    const resolver = new TemplateResolver(
      [
        { stackName: stack.stackName, template: s.serviceJson, templateBytes: 0 },
        { stackName: s.built.data.stackName, template: s.dataJson, templateBytes: 0 },
      ],
      worstCaseEnvironments[0] as (typeof worstCaseEnvironments)[0],
    );
    const resolve = (value: unknown) => resolver.resolve(stack.stackName, value) as PolicyStatementJson[];
    const written = resolve(fn.statements.map((st) => stack.resolve(st.toStatementJson())));
    const policyId = stack.getLogicalId(fn.policy.node.defaultChild as never);
    const document = s.serviceJson.Resources[policyId]?.Properties?.PolicyDocument as {
      Statement: unknown[];
    };
    const deployed = resolve(document.Statement);
    expect(triples(deployed)).toEqual(triples(written));
    // The merge is real: no more statements than the manifest wrote, fewer wherever two could merge.
    expect(deployed.length).toBeLessThanOrEqual(written.length);
  });
});

describe('Lambda concurrency reservations', () => {
  it('refuses reservations an account with a small quota cannot hold, naming the way out', () => {
    expect(() => synthRiskloop({ lambdaConcurrencyQuota: 300 }, { bundle: false })).toThrow(
      /lambdaConcurrencyQuota=300.*reservedConcurrency=false/s,
    );
  });

  it('reserves nothing with reservedConcurrency=false, and still passes the compliance packs', () => {
    const s = synthRiskloop({ lambdaConcurrencyQuota: 300, reservedConcurrency: false }, { bundle: false });
    try {
      const reserved = Object.values(s.serviceJson.Resources).filter(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.ReservedConcurrentExecutions !== undefined,
      );
      expect(reserved).toEqual([]);
    } finally {
      s.cleanup();
    }
  });
});
