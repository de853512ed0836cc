import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyArnOutput } from '../../infra/cdk/data-references.js';
import { keys } from '../../infra/manifest.js';
import { type Synthesized, synthRiskloop } from './synth.js';

/**
 * The stacks update independently: no CloudFormation export links them (an export in use can be neither
 * changed nor removed, so removing the last use of a table or key would fail the data stack's update).
 * Tables, buses, functions and log groups are reached by their fixed names; KMS key ARNs, which hold ids
 * AWS generates, by weak references to the data stack's outputs.
 */
let s: Synthesized;
beforeAll(() => {
  s = synthRiskloop({ apiGatewayCloudWatchRole: true }, { bundle: false });
});
afterAll(() => s?.cleanup());

/** Every value of `type` (an intrinsic function's name) anywhere in a template. */
function intrinsics(template: unknown, type: string): unknown[] {
  const found: unknown[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === type) found.push(v);
        walk(v);
      }
    }
  };
  walk(template);
  return found;
}

describe('stacks coupled by names and weak references only', () => {
  it('exports nothing and imports nothing', () => {
    for (const stack of s.assembly.stacks) {
      expect(intrinsics(stack.template, 'Fn::ImportValue'), stack.stackName).toEqual([]);
      const exported = Object.values(stack.template.Outputs ?? {}).filter(
        (o) => (o as { Export?: unknown }).Export,
      );
      expect(exported, stack.stackName).toEqual([]);
    }
  });

  it('reads only the data stack’s key ARNs, and every one it reads exists', () => {
    const outputs = Object.keys(s.dataJson.Outputs ?? {});
    expect(outputs.sort()).toEqual(
      ['storage', ...Object.keys(keys)].map((k) => keyArnOutput(k as never)).sort(),
    );
    for (const template of [s.serviceJson, s.apiJson]) {
      const reads = intrinsics(template, 'Fn::GetStackOutput') as { StackName: string; OutputName: string }[];
      expect(reads.length).toBeGreaterThan(0);
      for (const read of reads) {
        expect(read.StackName).toBe(s.built.data.stackName);
        expect(outputs).toContain(read.OutputName);
      }
    }
  });

  it('deploys in order with cdk deploy --all: data, service, then the API (after the account stack)', () => {
    const dependencies = (name: string) =>
      s.assembly
        .getStackByName(name)
        .dependencies.map((d) => d.id)
        .filter((id) => !id.endsWith('.assets'))
        .sort();
    expect(dependencies(s.built.service.stackName)).toEqual([s.built.data.stackName]);
    expect(dependencies(s.built.api.stackName)).toEqual(
      [s.built.service.stackName, 'riskloop-apigateway-logging'].sort(),
    );
    expect(dependencies(s.built.data.stackName)).toEqual([]);
  });

  it('keeps the account-wide API Gateway logging role out of every stage, and only when asked', () => {
    const accountResources = (template: { Resources: Record<string, { Type: string }> }) =>
      Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGateway::Account');
    for (const template of [s.dataJson, s.serviceJson, s.apiJson])
      expect(accountResources(template)).toEqual([]);
    const accountStack = s.assembly.getStackByName('riskloop-apigateway-logging').template;
    expect(accountResources(accountStack)).toHaveLength(1);
    const without = synthRiskloop({}, { bundle: false });
    try {
      expect(without.assembly.stacks.map((st) => st.stackName)).not.toContain('riskloop-apigateway-logging');
    } finally {
      without.cleanup();
    }
  });
});
