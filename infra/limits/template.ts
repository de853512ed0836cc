/** The parts of a synthesized CloudFormation template the limits checks and the infra tests read. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
  Metadata?: Record<string, unknown>;
  Condition?: string;
}

export interface CfnOutput {
  Value: unknown;
  Export?: { Name: unknown };
  Description?: string;
}

export interface CfnTemplate {
  Description?: string;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
}

/** One stack of an assembly: its deployed name, its template, and the template's size as CDK uploads it. */
export interface StackTemplate {
  stackName: string;
  template: CfnTemplate;
  templateBytes: number;
}

export interface PolicyStatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
