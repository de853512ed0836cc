/**
 * What a deploy of the synthesized assembly will create, read from the templates themselves (never from a
 * hand-kept list): stacks in deploy order, the services they use, reservations, IAM roles and every
 * resource with a static physical name. Plain data, so the checks can be tested with small templates.
 */
import { nameProperty } from '../limits/resolve.js';
import type { CfnResource, CfnTemplate } from '../limits/template.js';

/** CDK's default bootstrap version parameter (qualifier hnb659fds). */
export const defaultBootstrapParameter = '/cdk-bootstrap/hnb659fds/version';

/** One stack of the assembly, as the CLI's synthesis hands it over. */
export interface AssemblyStack {
  stackName: string;
  template: CfnTemplate;
  requiresBootstrapStackVersion?: number | undefined;
  bootstrapStackVersionSsmParameter?: string | undefined;
  terminationProtection?: boolean | undefined;
}

export interface PlannedStack {
  stackName: string;
  bootstrapParameter: string;
  requiredBootstrapVersion: number;
  terminationProtection: boolean;
}

/** A resource whose physical name is a plain string in its template: it can meet a namesake in the account. */
export interface NamedResource {
  stackName: string;
  logicalId: string;
  type: string;
  name: string;
  /** The property holding the name: also the identifier `cdk import` takes for the types it imports by name. */
  nameProperty: string;
  /** Events::Rule: the bus it lives on (default bus when absent). */
  eventBusName?: string;
  /** KMS::Alias: the logical id of the key it names (its TargetKeyId is `Fn::GetAtt [key, Arn]`). */
  keyLogicalId?: string;
  /** WAFv2::WebACL: REGIONAL or CLOUDFRONT. */
  scope?: string;
}

/** The settings of DeployConfig the checks compare the account with. */
export interface PlanConfig {
  stage: string;
  waf: boolean;
  apiGatewayCloudWatchRole: boolean;
  reservedConcurrency: boolean;
  lambdaConcurrencyQuota: number;
}

export interface DeployPlan {
  config: PlanConfig;
  /** In deploy order (the assembly's order follows the stack dependencies). */
  stacks: PlannedStack[];
  dataStack: string;
  /** riskloop-apigateway-logging, when the deploy includes it. */
  accountStack: string | undefined;
  /** Service ids (as SSM's global-infrastructure list names them) the stacks need in the region. */
  services: string[];
  /** Resource-type namespaces whose regional availability is not looked up (global ones included). */
  uncheckedNamespaces: string[];
  reservations: {
    stackName: string;
    logicalId: string;
    functionName: string | undefined;
    reserved: number;
  }[];
  roles: { stackName: string; logicalId: string }[];
  namedResources: NamedResource[];
}

/** Resource-type namespace (AWS::<namespace>::...) to its service id; null for global services. */
const serviceOfNamespace: Record<string, string | null> = {
  Lambda: 'lambda',
  DynamoDB: 'dynamodb',
  SQS: 'sqs',
  KMS: 'kms',
  Events: 'events',
  ApiGateway: 'apigateway',
  Logs: 'logs',
  SNS: 'sns',
  CloudWatch: 'cloudwatch',
  WAFv2: 'wafv2',
  SSM: 'ssm',
  CloudFormation: 'cloudformation',
  IAM: null,
};

/** The key a named resource is known by in Facts.resources. */
export const resourceKey = (r: { stackName: string; logicalId: string }) => `${r.stackName}/${r.logicalId}`;

/** Builds the plan from the assembly's stacks (in deploy order) and the validated configuration. */
export function buildPlan(
  stacks: readonly AssemblyStack[],
  config: PlanConfig,
  parts: { dataStack: string; accountStack?: string | undefined },
): DeployPlan {
  const services = new Set<string>(['cloudformation']);
  const unchecked = new Set<string>();
  const reservations: DeployPlan['reservations'] = [];
  const roles: DeployPlan['roles'] = [];
  const namedResources: NamedResource[] = [];
  for (const { stackName, template } of stacks) {
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      // Custom::* resources are served by the stack's own functions; AWS::CDK::Metadata by CloudFormation.
      const namespace = resource.Type.split('::')[1] ?? resource.Type;
      if (resource.Type.startsWith('AWS::') && namespace !== 'CDK') {
        const service = serviceOfNamespace[namespace];
        if (service) services.add(service);
        else if (service === undefined) unchecked.add(namespace);
      }
      if (usesXRay(resource)) services.add('xray');
      const reserved = resource.Properties?.ReservedConcurrentExecutions;
      if (resource.Type === 'AWS::Lambda::Function' && typeof reserved === 'number') {
        const functionName = resource.Properties?.FunctionName;
        reservations.push({
          stackName,
          logicalId,
          functionName: typeof functionName === 'string' ? functionName : undefined,
          reserved,
        });
      }
      if (resource.Type === 'AWS::IAM::Role') roles.push({ stackName, logicalId });
      const named = namedResource(stackName, logicalId, resource);
      if (named) namedResources.push(named);
    }
  }
  return {
    config,
    stacks: stacks.map((s) => ({
      stackName: s.stackName,
      bootstrapParameter: s.bootstrapStackVersionSsmParameter ?? defaultBootstrapParameter,
      requiredBootstrapVersion: s.requiresBootstrapStackVersion ?? 0,
      terminationProtection: s.terminationProtection ?? false,
    })),
    dataStack: parts.dataStack,
    accountStack: parts.accountStack,
    services: [...services].sort(),
    uncheckedNamespaces: [...unchecked].sort(),
    reservations,
    roles,
    namedResources,
  };
}

/** Active Lambda tracing and API Gateway stage tracing send to X-Ray. */
function usesXRay(resource: CfnResource): boolean {
  const p = resource.Properties ?? {};
  if (resource.Type === 'AWS::Lambda::Function') {
    return (p.TracingConfig as { Mode?: unknown } | undefined)?.Mode === 'Active';
  }
  return resource.Type === 'AWS::ApiGateway::Stage' && p.TracingEnabled === true;
}

function namedResource(
  stackName: string,
  logicalId: string,
  resource: CfnResource,
): NamedResource | undefined {
  const property = nameProperty(resource.Type);
  const name = property ? resource.Properties?.[property] : undefined;
  // A name computed from other resources' ids changes with them: it never meets an earlier deployment's.
  if (!property || typeof name !== 'string') return undefined;
  const named: NamedResource = { stackName, logicalId, type: resource.Type, name, nameProperty: property };
  const p = resource.Properties ?? {};
  if (resource.Type === 'AWS::Events::Rule' && p.EventBusName !== undefined) {
    if (typeof p.EventBusName !== 'string') return undefined;
    named.eventBusName = p.EventBusName;
  }
  if (resource.Type === 'AWS::KMS::Alias') {
    const target = (p.TargetKeyId as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
    if (Array.isArray(target) && typeof target[0] === 'string') named.keyLogicalId = target[0];
  }
  if (resource.Type === 'AWS::WAFv2::WebACL' && typeof p.Scope === 'string') named.scope = p.Scope;
  return named;
}
