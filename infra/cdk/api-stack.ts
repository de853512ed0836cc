import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnPermission, type IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { type FunctionName, type FunctionSpec, functions } from '../manifest.js';
import { RiskloopApi } from './api.js';
import { type DeployConfig, names } from './config.js';
import { suppressControl } from './control-tower.js';
import { DataReferences } from './data-references.js';
import { pascal } from './data-stack.js';

export interface ApiStackProps extends StackProps {
  config: DeployConfig;
}

/**
 * The REST API, its authoriser, WAF and logs: apart from the functions, so neither stack nears
 * CloudFormation's 500 resources as routes and functions are added (docs/deploy.md, "Stacks"). The
 * functions are the service stack's; they are reached here by their fixed names, so no export couples
 * the two and either can be updated alone.
 */
export class ApiStack extends Stack {
  readonly api: RiskloopApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const data = new DataReferences(this, 'Data', config.stage);
    const invoked = {} as Record<FunctionName, IFunction>;
    for (const [name, spec] of Object.entries(functions) as [FunctionName, FunctionSpec][]) {
      if (spec.trigger.kind !== 'http' && spec.trigger.kind !== 'authorizer') continue;
      invoked[name] = LambdaFunction.fromFunctionAttributes(this, `${pascal(name)}Function`, {
        functionArn: this.formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: names.resource(config.stage, name),
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
        // Same account and region: API Gateway's invoke permissions are added here, on the function.
        sameEnvironment: true,
      });
    }
    this.api = new RiskloopApi(this, 'Api', { config, functions: invoked, storageKey: data.storageKey });
    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Base URL of the riskloop API' });
    this.suppressInvokePermissionFindings();
  }

  /**
   * Each permission lets API Gateway invoke one function for one method (or the authoriser) of this API only:
   * its SourceArn is that method's execute-api ARN, which holds the API id and is therefore built with
   * Fn::Join. CT.LAMBDA.PR.2 accepts only a literal string or a Ref/GetAtt there, so it reports every one.
   */
  private suppressInvokePermissionFindings(): void {
    for (const permission of this.node.findAll().filter((c) => c instanceof CfnPermission)) {
      const { principal, sourceArn } = permission as CfnPermission;
      const source = JSON.stringify(this.resolve(sourceArn));
      if (principal !== 'apigateway.amazonaws.com' || !source.includes(':execute-api:')) {
        throw new Error(`${permission.node.path}: not an API Gateway permission scoped to this API`);
      }
      suppressControl(
        permission,
        'lambda_function_public_access_prohibited_check',
        'Not public: the principal is apigateway.amazonaws.com and SourceArn is the execute-api ARN of this API ' +
          "method, built with Fn::Join from the API's id (known only at deploy), which the rule cannot resolve.",
      );
    }
  }
}
