import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { BuildOptions, buildRiskloop } from '../../infra/cdk/build.js';
import { synthesize } from '../../infra/cdk/synthesize.js';
import type { CfnResource, CfnTemplate } from '../../infra/limits/template.js';

export type { CfnResource, CfnTemplate } from '../../infra/limits/template.js';

export interface Synthesized {
  app: App;
  built: ReturnType<typeof buildRiskloop>;
  assembly: CloudAssembly;
  data: Template;
  service: Template;
  api: Template;
  /** Raw templates, for checks that walk every resource. */
  serviceJson: CfnTemplate;
  dataJson: CfnTemplate;
  apiJson: CfnTemplate;
  cleanup: () => void;
}

/**
 * Synthesizes riskloop exactly as `cdk synth` does (cdk.json context, cdk-nag packs on), into a temporary
 * directory. `bundle: false` skips esbuild for tests that only read templates. The Control Tower controls
 * (cfn-guard, about 25 s a run) are off unless asked for: control-tower.test.ts runs them on each
 * configuration, so the other tests do not pay for them on each of their synths.
 */
export function synthRiskloop(
  context: Record<string, unknown> = {},
  options: BuildOptions & { bundle?: boolean } = {},
): Synthesized {
  const { app, built, assembly, cleanup } = synthesize(context, { controlTower: false, ...options });
  const json = (name: string) => assembly.getStackByName(name).template as CfnTemplate;
  const dataJson = json(built.data.stackName);
  const serviceJson = json(built.service.stackName);
  const apiJson = json(built.api.stackName);
  return {
    app,
    built,
    assembly,
    dataJson,
    serviceJson,
    apiJson,
    data: Template.fromJSON(dataJson),
    service: Template.fromJSON(serviceJson),
    api: Template.fromJSON(apiJson),
    cleanup,
  };
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export function props(resource: CfnResource | undefined): Record<string, unknown> {
  return resource?.Properties ?? {};
}

/** `GetAtt <logicalId>` as CloudFormation writes it. */
export function getAtt(logicalId: string, attribute = 'Arn') {
  return { 'Fn::GetAtt': [logicalId, attribute] };
}

/** The logical id of the one resource of `type` whose `property` equals `value`. */
export function logicalIdWhere(
  template: CfnTemplate,
  type: string,
  property: string,
  value: unknown,
): string {
  const found = resourcesOfType(template, type).filter(
    ([, r]) => JSON.stringify(props(r)[property]) === JSON.stringify(value),
  );
  if (found.length !== 1 || !found[0])
    throw new Error(`Expected one ${type} with ${property}=${String(value)}`);
  return found[0][0];
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Statements of every IAM policy document in a template (managed, inline, role-embedded). */
export function policyStatements(template: CfnTemplate): { logicalId: string; statement: Statement }[] {
  const out: { logicalId: string; statement: Statement }[] = [];
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    const p = props(r);
    const documents: unknown[] = [];
    if (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy')
      documents.push(p.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') {
      for (const inline of (p.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
        documents.push(inline.PolicyDocument);
      }
    }
    for (const doc of documents) {
      for (const statement of (doc as { Statement: Statement[] }).Statement)
        out.push({ logicalId, statement });
    }
  }
  return out;
}

/**
 * Names (pascal case, as in the data stack's logical ids) of the tables a JSON value refers to: the other
 * stacks build table ARNs from the tables' fixed names (infra/cdk/data-references.ts).
 */
export function tablesReferenced(value: unknown): Set<string> {
  const names = new Set<string>();
  for (const m of JSON.stringify(value).matchAll(/:table\/riskloop-[a-z0-9]+-([a-z-]+)/g)) {
    if (m[1]) names.add(m[1].replace(/(^|-)([a-z])/g, (_x, _d, c: string) => c.toUpperCase()));
  }
  return names;
}

/** How the other stacks refer to a KMS key of the data stack: a weak reference to its ARN output. */
export function dataKeyArn(key: 'Storage' | 'Pseudonymisation' | 'DataKeys' | 'AuditSigning', stage = 'dev') {
  return { 'Fn::GetStackOutput': { StackName: `riskloop-${stage}-data`, OutputName: `${key}KeyArn` } };
}

export const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Every API Gateway method as `{ method, path, props }`, its path rebuilt from the resource tree. */
export function apiMethods(
  template: CfnTemplate,
): { method: string; path: string; props: Record<string, unknown> }[] {
  const resources = new Map(
    resourcesOfType(template, 'AWS::ApiGateway::Resource').map(([id, r]) => [id, props(r)]),
  );
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    const resource = id ? resources.get(id) : undefined;
    return resource ? `${pathOf(resource.ParentId)}/${String(resource.PathPart)}` : '';
  };
  return resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, m]) => ({
    method: String(props(m).HttpMethod),
    path: pathOf(props(m).ResourceId),
    props: props(m),
  }));
}
