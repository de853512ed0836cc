/**
 * CloudFormation, IAM, Lambda and service limits a deployment hits before any code runs, measured on the
 * synthesized templates with every value resolved at its worst-case length (resolve.ts). `npm test` fails
 * when a figure passes `headroom` of its limit (test/infra/limits.test.ts); `npm run limits` prints the
 * figures that docs/deploy.md shows.
 */
import { maxNameLength, nameProperty, TemplateResolver, worstCaseEnvironments } from './resolve.js';
import { asList, type CfnResource, type StackTemplate } from './template.js';

/** Every figure must stay at or below this share of its limit. */
export const headroom = 0.85;

export interface Figure {
  /** What is limited, e.g. "IAM managed policy size". */
  check: string;
  /** The stack and resource the figure is about. */
  subject: string;
  value: number;
  limit: number;
  /** Where the limit comes from, for the reader of a failure. */
  source: string;
}

export interface MeasureOptions {
  /** The account's Lambda concurrent-executions quota the stage is deployed into. */
  lambdaConcurrencyQuota: number;
}

/** Lambda keeps 100 concurrent executions unreserved in every account. */
/** Lambda keeps this many concurrent executions of every account unreserved. */
export const unreservedConcurrencyFloor = 100;

const limits = {
  managedPolicy: { limit: 6_144, source: 'IAM: managed policy document, characters without whitespace' },
  inlinePolicies: { limit: 10_240, source: 'IAM: inline policies of one role, together' },
  trustPolicy: { limit: 2_048, source: 'IAM: role trust policy (default quota)' },
  policiesPerRole: { limit: 10, source: 'IAM: managed policies attached to a role (default quota)' },
  resources: { limit: 500, source: 'CloudFormation: resources per stack' },
  outputs: { limit: 200, source: 'CloudFormation: outputs per stack' },
  parameters: { limit: 200, source: 'CloudFormation: parameters per stack' },
  templateBytes: { limit: 1_048_576, source: 'CloudFormation: template body uploaded through S3' },
  stackDescription: { limit: 1_024, source: 'CloudFormation: template description' },
  environment: { limit: 4_096, source: 'Lambda: environment variables of one function, together' },
  functionPolicy: { limit: 20_480, source: 'Lambda: resource-based policy of one function' },
  functionDescription: { limit: 256, source: 'Lambda: function description' },
  globalIndexes: { limit: 20, source: 'DynamoDB: global secondary indexes per table (default quota)' },
  apiResources: { limit: 300, source: 'API Gateway: resources per REST API (default quota)' },
  keyPolicy: { limit: 32_768, source: 'KMS: key policy document' },
} as const;

/**
 * All figures of an assembly (the stacks of one stage), each at the maximum over `worstCaseEnvironments`.
 */
export function measure(stacks: readonly StackTemplate[], options: MeasureOptions): Figure[] {
  const figures = new Map<string, Figure>();
  const record = (
    kind: keyof typeof limits | Omit<Figure, 'subject' | 'value'>,
    subject: string,
    value: number,
  ) => {
    const base = typeof kind === 'string' ? { check: checkNames[kind], ...limits[kind] } : kind;
    const key = `${base.check}\u0000${subject}`;
    const previous = figures.get(key);
    if (!previous || previous.value < value) figures.set(key, { ...base, subject, value });
  };
  for (const env of worstCaseEnvironments) {
    const resolver = new TemplateResolver(stacks, env);
    let reserved = 0;
    // A function's resource policy gathers the permissions of every stack (schedules here, API routes there).
    const functionPolicies = new Map<string, number>();
    for (const { stackName, template, templateBytes } of stacks) {
      const resolve = (value: unknown) => resolver.resolve(stackName, value);
      const size = (value: unknown) => (value === undefined ? 0 : JSON.stringify(resolve(value)).length);
      const resources = Object.entries(template.Resources);
      record('resources', stackName, resources.length);
      record('outputs', stackName, Object.keys(template.Outputs ?? {}).length);
      record('parameters', stackName, Object.keys(template.Parameters ?? {}).length);
      record('templateBytes', stackName, templateBytes);
      record('stackDescription', stackName, (template.Description ?? '').length);
      const inline = new Map<string, number>();
      const attached = new Map<string, number>();
      for (const [logicalId, resource] of resources) {
        const subject = `${stackName} ${logicalId}`;
        const p = resource.Properties ?? {};
        const property = nameProperty(resource.Type);
        const maxLength = maxNameLength(resource.Type);
        if (property && maxLength && p[property] !== undefined) {
          record(
            {
              check: `${resource.Type} name`,
              limit: maxLength,
              source: `${resource.Type}: ${property} length`,
            },
            subject,
            resolver.physicalName(stackName, logicalId).length,
          );
        }
        switch (resource.Type) {
          case 'AWS::IAM::ManagedPolicy':
            record('managedPolicy', subject, size(p.PolicyDocument));
            for (const role of refsOf(p.Roles)) add(attached, role, 1);
            break;
          case 'AWS::IAM::Policy':
            for (const role of refsOf(p.Roles)) add(inline, role, size(p.PolicyDocument));
            break;
          case 'AWS::IAM::Role':
            record('trustPolicy', subject, size(p.AssumeRolePolicyDocument));
            add(attached, logicalId, asList(p.ManagedPolicyArns as unknown[]).length);
            for (const policy of asList(p.Policies as { PolicyDocument: unknown }[])) {
              add(inline, logicalId, size(policy.PolicyDocument));
            }
            break;
          case 'AWS::Lambda::Function': {
            const env = (p.Environment as { Variables?: unknown } | undefined)?.Variables;
            record('environment', subject, env ? size(env) : 0);
            record('functionDescription', subject, String(p.Description ?? '').length);
            reserved += Number(p.ReservedConcurrentExecutions ?? 0);
            break;
          }
          case 'AWS::Lambda::Permission': {
            const fn = resolver.resolveString(stackName, p.FunctionName).split(':').pop() ?? '';
            add(functionPolicies, fn, permissionStatementSize(resolver, stackName, logicalId, resource));
            break;
          }
          case 'AWS::DynamoDB::Table':
            record('globalIndexes', subject, asList(p.GlobalSecondaryIndexes as unknown[]).length);
            break;
          case 'AWS::KMS::Key':
            record('keyPolicy', subject, size(p.KeyPolicy));
            break;
          case 'AWS::ApiGateway::RestApi':
            record(
              'apiResources',
              subject,
              resources.filter(([, r]) => r.Type === 'AWS::ApiGateway::Resource').length,
            );
            break;
        }
      }
      for (const [role, total] of inline) record('inlinePolicies', `${stackName} ${role}`, total);
      for (const [role, count] of attached) record('policiesPerRole', `${stackName} ${role}`, count);
    }
    for (const [fn, total] of functionPolicies) {
      // The policy document around the statements: {"Version":"2012-10-17","Id":"default","Statement":[...]}.
      record('functionPolicy', fn, total + 60);
    }
    record(
      {
        check: 'Lambda reserved concurrency, all functions',
        limit: options.lambdaConcurrencyQuota - unreservedConcurrencyFloor,
        source: `Lambda: account quota (lambdaConcurrencyQuota=${options.lambdaConcurrencyQuota}) minus the 100 kept unreserved`,
      },
      'stage',
      reserved,
    );
  }
  return [...figures.values()];
}

const checkNames: Record<keyof typeof limits, string> = {
  managedPolicy: 'IAM managed policy size',
  inlinePolicies: 'IAM inline policies per role',
  trustPolicy: 'IAM role trust policy size',
  policiesPerRole: 'IAM managed policies per role',
  resources: 'Resources per stack',
  outputs: 'Outputs per stack',
  parameters: 'Parameters per stack',
  templateBytes: 'Template size (bytes)',
  stackDescription: 'Stack description length',
  environment: 'Lambda environment size',
  functionPolicy: 'Lambda resource policy size',
  functionDescription: 'Lambda description length',
  globalIndexes: 'DynamoDB GSIs per table',
  apiResources: 'API Gateway resources per API',
  keyPolicy: 'KMS key policy size',
};

/** Logical ids a `Roles` list refers to with `Ref`. */
function refsOf(value: unknown): string[] {
  return asList(value as unknown[]).flatMap((r) => {
    const ref = (r as { Ref?: unknown }).Ref;
    return typeof ref === 'string' ? [ref] : [];
  });
}

function add(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

/** The statement Lambda adds to a function's resource policy for one AWS::Lambda::Permission. */
function permissionStatementSize(
  resolver: TemplateResolver,
  stackName: string,
  logicalId: string,
  resource: CfnResource,
): number {
  const p = resource.Properties ?? {};
  const functionArn = resolver.resolveString(stackName, p.FunctionName);
  const conditions: Record<string, Record<string, unknown>> = {};
  if (p.SourceArn !== undefined)
    conditions.ArnLike = { 'AWS:SourceArn': resolver.resolve(stackName, p.SourceArn) };
  if (p.SourceAccount !== undefined) {
    conditions.StringEquals = { 'AWS:SourceAccount': resolver.resolve(stackName, p.SourceAccount) };
  }
  const statement = {
    // CloudFormation names the statement after the stack and logical id, plus a random suffix.
    Sid: `${stackName}-${logicalId}-XXXXXXXXXXXX`,
    Effect: 'Allow',
    Principal: { Service: resolver.resolve(stackName, p.Principal) },
    Action: resolver.resolve(stackName, p.Action),
    Resource: functionArn.startsWith('arn:')
      ? functionArn
      : resolver.arn('lambda', `function:${functionArn}`),
    Condition: conditions,
  };
  return JSON.stringify(statement).length + 1;
}
