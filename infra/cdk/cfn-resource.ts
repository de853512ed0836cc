import { App, CfnResource, Stack, Stage } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The CloudFormation resource an exception applies to: the construct itself, or its default child (a
 * function's `AWS::Lambda::Function`), so siblings (permissions, event source mappings, log groups) never
 * inherit it. Refuses an app, a stage or a stack.
 */
export function cfnResourceOf(scope: IConstruct): CfnResource {
  if (App.isApp(scope) || Stage.isStage(scope) || Stack.isStack(scope)) {
    throw new Error(`An exception applies to a resource, not to ${scope.node.path || 'the app'}`);
  }
  if (CfnResource.isCfnResource(scope)) return scope;
  const child = scope.node.defaultChild;
  if (child && CfnResource.isCfnResource(child)) return child;
  throw new Error(`${scope.node.path} is not a CloudFormation resource and has none as default child`);
}
