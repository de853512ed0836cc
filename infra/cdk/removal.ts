import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * What CloudFormation does with a resource riskloop must keep (docs/deploy.md, "Redeploying safely").
 *
 * `kept` (DeletionPolicy RetainExceptOnCreate): a create that rolls back deletes it, so the retry does not
 * collide with a leftover of the same name; a destroy keeps it, and the next deploy adopts it again through
 * `cdk deploy --import-existing-resources` (static name, importable type: test/infra/redeploy.test.ts).
 *
 * `keptEvenOnFailedCreate` (Retain): only for DynamoDB tables. Deletion protection refuses the delete a
 * rolled-back create would make (the rollback would fail), so the table stays and the retry adopts it, as
 * after a destroy.
 */
export const kept = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
export const keptEvenOnFailedCreate = RemovalPolicy.RETAIN;
