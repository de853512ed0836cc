/**
 * Resolves a synthesized template the way CloudFormation would in a real account, with every value at the
 * longest length it can take there: a 12-character stage, the longest region name, 36-character key ids,
 * names CloudFormation generates at their maximum length. AWS checks its limits on resolved values (an IAM
 * policy's size counts each ARN in full), so this is what the limits suite measures. Anything it does not
 * know how to resolve throws: a figure that silently under-counts would be worse than none.
 */
import type { CfnResource, CfnTemplate, StackTemplate } from './template.js';

/** Where a stage may be deployed: the values CloudFormation's pseudo parameters take there. */
export interface TargetEnvironment {
  partition: string;
  region: string;
  account: string;
  urlSuffix: string;
}

/**
 * The longest region name of each partition riskloop can be deployed in (ap-southeast-5 ties with other
 * 14-character ones; GovCloud's partition name is the longest; China's URL suffix is). Every figure is the
 * maximum over all three.
 */
export const worstCaseEnvironments: readonly TargetEnvironment[] = [
  { partition: 'aws', region: 'ap-southeast-5', account: '123456789012', urlSuffix: 'amazonaws.com' },
  { partition: 'aws-us-gov', region: 'us-gov-west-1', account: '123456789012', urlSuffix: 'amazonaws.com' },
  { partition: 'aws-cn', region: 'cn-northwest-1', account: '123456789012', urlSuffix: 'amazonaws.com.cn' },
];

/** A KMS key id (also the length of a multi-Region `mrk-` id): 36 characters. */
const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
/** API Gateway ids (REST API, resource, deployment, authorizer) are 10 characters at most. */
const apiId = 'a1b2c3d4e5';

/** The property that holds a resource's physical name, and the longest name CloudFormation may generate. */
const naming: Record<string, { property?: string; maxLength: number }> = {
  'AWS::IAM::Role': { property: 'RoleName', maxLength: 64 },
  'AWS::IAM::ManagedPolicy': { property: 'ManagedPolicyName', maxLength: 128 },
  'AWS::Lambda::Function': { property: 'FunctionName', maxLength: 64 },
  'AWS::SQS::Queue': { property: 'QueueName', maxLength: 80 },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', maxLength: 512 },
  'AWS::DynamoDB::Table': { property: 'TableName', maxLength: 255 },
  'AWS::SNS::Topic': { property: 'TopicName', maxLength: 256 },
  'AWS::Events::Rule': { property: 'Name', maxLength: 64 },
  'AWS::Events::EventBus': { property: 'Name', maxLength: 256 },
  'AWS::Events::Archive': { property: 'ArchiveName', maxLength: 48 },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName', maxLength: 255 },
  'AWS::CloudWatch::Dashboard': { property: 'DashboardName', maxLength: 255 },
  'AWS::KMS::Alias': { property: 'AliasName', maxLength: 256 },
  'AWS::WAFv2::WebACL': { property: 'Name', maxLength: 128 },
  'AWS::ApiGateway::RestApi': { property: 'Name', maxLength: 1024 },
  'AWS::ApiGateway::Stage': { property: 'StageName', maxLength: 128 },
  'AWS::ApiGateway::Model': { property: 'Name', maxLength: 128 },
  'AWS::SSM::Parameter': { property: 'Name', maxLength: 1011 },
};

/** The name-bearing property of a resource type, if it has one (for the name-length and redeploy checks). */
export function nameProperty(type: string): string | undefined {
  return naming[type]?.property;
}

export function maxNameLength(type: string): number | undefined {
  return naming[type]?.maxLength;
}

export class TemplateResolver {
  private readonly stacks: Map<string, CfnTemplate>;

  constructor(
    stacks: readonly StackTemplate[],
    readonly env: TargetEnvironment,
  ) {
    this.stacks = new Map(stacks.map((s) => [s.stackName, s.template]));
  }

  /** `value` as CloudFormation would see it once every intrinsic function in it is evaluated. */
  resolve(stackName: string, value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(stackName, v)).filter((v) => v !== noValue);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(stackName, first[0], first[1]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const resolved = this.resolve(stackName, v);
      if (resolved !== noValue) out[k] = resolved;
    }
    return out;
  }

  resolveString(stackName: string, value: unknown): string {
    const resolved = this.resolve(stackName, value);
    if (typeof resolved !== 'string' && typeof resolved !== 'number') {
      throw new Error(`Expected a string, resolved ${JSON.stringify(resolved)} in ${stackName}`);
    }
    return String(resolved);
  }

  /** The physical name of a resource: its name property resolved, or the longest name CloudFormation may generate. */
  physicalName(stackName: string, logicalId: string): string {
    const resource = this.resource(stackName, logicalId);
    const spec = naming[resource.Type];
    const given = spec?.property ? resource.Properties?.[spec.property] : undefined;
    if (given !== undefined) return this.resolveString(stackName, given);
    const maxLength = spec?.maxLength ?? 64;
    // CloudFormation: "<stack>-<logical id>-<random>", truncated to the type's limit. Worst case: all of it.
    return `${stackName}-${logicalId}-`.padEnd(maxLength, 'X').slice(0, maxLength);
  }

  private resource(stackName: string, logicalId: string): CfnResource {
    const resource = this.template(stackName).Resources[logicalId];
    if (!resource) throw new Error(`No resource ${logicalId} in ${stackName}`);
    return resource;
  }

  private template(stackName: string): CfnTemplate {
    const template = this.stacks.get(stackName);
    if (!template) throw new Error(`No stack ${stackName} in the assembly`);
    return template;
  }

  private intrinsic(stackName: string, fn: string, arg: unknown): unknown {
    const r = (v: unknown) => this.resolve(stackName, v);
    const s = (v: unknown) => this.resolveString(stackName, v);
    switch (fn) {
      case 'Ref':
        return this.ref(stackName, String(arg));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
        return this.getAtt(stackName, String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return (r(parts) as unknown[]).map((p) => String(p)).join(separator);
      }
      case 'Fn::Sub':
        return this.sub(stackName, arg);
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = r(list) as unknown[];
        return items[Number(r(index))];
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return s(source).split(separator);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.env.region}${z}`);
      case 'Fn::Base64':
        return Buffer.from(s(arg)).toString('base64');
      case 'Fn::ImportValue':
        return this.importValue(s(arg));
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName } = arg as { StackName: unknown; OutputName: unknown };
        return this.output(s(StackName), s(OutputName));
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        return r(this.condition(stackName, condition) ? whenTrue : whenFalse);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = (arg as unknown[]).map(s);
        const mappings = this.template(stackName).Mappings as Record<
          string,
          Record<string, Record<string, unknown>>
        >;
        return r(mappings?.[map as string]?.[top as string]?.[second as string]);
      }
      case 'Fn::ToJsonString':
        return JSON.stringify(r(arg));
      default:
        throw new Error(`Cannot resolve ${fn} in ${stackName}`);
    }
  }

  private ref(stackName: string, name: string): unknown {
    switch (name) {
      case 'AWS::Partition':
        return this.env.partition;
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.account;
      case 'AWS::URLSuffix':
        return this.env.urlSuffix;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return `arn:${this.env.partition}:cloudformation:${this.env.region}:${this.env.account}:stack/${stackName}/${keyId}`;
      case 'AWS::NoValue':
        return noValue;
    }
    const template = this.template(stackName);
    const parameter = template.Parameters?.[name];
    if (parameter) {
      // CDK's bootstrap version check reads an SSM parameter holding a small integer.
      if (parameter.Type.startsWith('AWS::SSM::Parameter::Value')) return '99';
      return parameter.Default;
    }
    const resource = this.resource(stackName, name);
    const physical = this.physicalName(stackName, name);
    const { partition, region, account, urlSuffix } = this.env;
    switch (resource.Type) {
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${partition}:iam::${account}:policy/${physical}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.${urlSuffix}/${account}/${physical}`;
      case 'AWS::SNS::Topic':
        return this.arn('sns', physical);
      case 'AWS::KMS::Key':
        return keyId;
      case 'AWS::WAFv2::WebACL':
        return `${physical}|${keyId}|REGIONAL`;
      case 'AWS::ApiGateway::RestApi':
      case 'AWS::ApiGateway::Resource':
      case 'AWS::ApiGateway::Deployment':
      case 'AWS::ApiGateway::Authorizer':
      case 'AWS::ApiGateway::RequestValidator':
        return apiId;
      case 'AWS::Lambda::EventSourceMapping':
        return keyId;
      default:
        if (naming[resource.Type]) return physical;
        throw new Error(`Ref of ${resource.Type} (${name}) is not modelled`);
    }
  }

  private getAtt(stackName: string, logicalId: string, attribute: string): unknown {
    const resource = this.resource(stackName, logicalId);
    const name = this.physicalName(stackName, logicalId);
    const { partition, account } = this.env;
    const key = `${resource.Type}.${attribute}`;
    switch (key) {
      case 'AWS::IAM::Role.Arn':
        return `arn:${partition}:iam::${account}:role/${name}`;
      case 'AWS::IAM::Role.RoleId':
        return 'AROA1234567890ABCDEFG';
      case 'AWS::Lambda::Function.Arn':
        return this.arn('lambda', `function:${name}`);
      case 'AWS::SQS::Queue.Arn':
        return this.arn('sqs', name);
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SQS::Queue.QueueUrl':
        return this.ref(stackName, logicalId);
      case 'AWS::DynamoDB::Table.Arn':
        return this.arn('dynamodb', `table/${name}`);
      case 'AWS::DynamoDB::Table.StreamArn':
        return this.arn('dynamodb', `table/${name}/stream/2026-12-31T23:59:59.999`);
      case 'AWS::KMS::Key.Arn':
        return this.arn('kms', `key/${keyId}`);
      case 'AWS::KMS::Key.KeyId':
        return keyId;
      case 'AWS::Logs::LogGroup.Arn':
        return this.arn('logs', `log-group:${name}:*`);
      case 'AWS::SNS::Topic.TopicArn':
        return this.arn('sns', name);
      case 'AWS::SNS::Topic.TopicName':
        return name;
      case 'AWS::Events::EventBus.Arn':
        return this.arn('events', `event-bus/${name}`);
      case 'AWS::Events::EventBus.Name':
        return name;
      case 'AWS::Events::Rule.Arn':
        return this.arn('events', `rule/${name}`);
      case 'AWS::Events::Archive.Arn':
        return this.arn('events', `archive/${name}`);
      case 'AWS::WAFv2::WebACL.Arn':
        return this.arn('wafv2', `regional/webacl/${name}/${keyId}`);
      case 'AWS::WAFv2::WebACL.Id':
        return keyId;
      case 'AWS::ApiGateway::RestApi.RootResourceId':
        return apiId;
      case 'AWS::SSM::Parameter.Value':
        return this.resolveString(stackName, resource.Properties?.Value);
      default:
        throw new Error(`GetAtt ${key} (${logicalId} in ${stackName}) is not modelled`);
    }
  }

  /** An ARN of this environment's partition, region and account. */
  arn(service: string, resource: string): string {
    const { partition, region, account } = this.env;
    return `arn:${partition}:${service}:${region}:${account}:${resource}`;
  }

  private sub(stackName: string, arg: unknown): string {
    const [text, variables] =
      typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_m, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in variables) return this.resolveString(stackName, variables[name]);
      const [logicalId, attribute] = name.split(/\.(.*)/);
      return String(
        attribute
          ? this.getAtt(stackName, String(logicalId), attribute)
          : this.resolveString(stackName, { Ref: name }),
      );
    });
  }

  private importValue(exportName: string): unknown {
    for (const [stackName, template] of this.stacks) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export && this.resolveString(stackName, output.Export.Name) === exportName) {
          return this.resolve(stackName, output.Value);
        }
      }
    }
    throw new Error(`No stack exports ${exportName}`);
  }

  private output(stackName: string, outputName: string): unknown {
    const output = this.template(stackName).Outputs?.[outputName];
    if (!output) throw new Error(`Stack ${stackName} has no output ${outputName}`);
    return this.resolve(stackName, output.Value);
  }

  private condition(stackName: string, name: string): boolean {
    const definition = this.template(stackName).Conditions?.[name];
    if (definition === undefined) throw new Error(`No condition ${name} in ${stackName}`);
    return this.evaluate(stackName, definition);
  }

  private evaluate(stackName: string, expression: unknown): boolean {
    const [fn, arg] = Object.entries(expression as Record<string, unknown>)[0] ?? [];
    const args = arg as unknown[];
    switch (fn) {
      case 'Condition':
        return this.condition(stackName, String(arg));
      case 'Fn::Equals':
        return (
          JSON.stringify(this.resolve(stackName, args[0])) ===
          JSON.stringify(this.resolve(stackName, args[1]))
        );
      case 'Fn::Not':
        return !this.evaluate(stackName, args[0]);
      case 'Fn::And':
        return args.every((a) => this.evaluate(stackName, a));
      case 'Fn::Or':
        return args.some((a) => this.evaluate(stackName, a));
      default:
        throw new Error(`Cannot evaluate condition ${String(fn)} in ${stackName}`);
    }
  }
}

/** What `Ref: AWS::NoValue` resolves to: the property or list item disappears. */
const noValue = Symbol('AWS::NoValue');
