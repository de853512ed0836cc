import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * What CloudFormation does with a resource riskloop must keep (docs/deploy.md, "Redeploying safely").
 *
 * `kept` (DeletionPolicy RetainExceptOnCreate): a create that rolls back deletes it, so the retry does not
 * collide with a leftover of the same name; a destroy keeps it, and the next deploy adopts it again through
 * `cdk deploy --import-existing-resources` (static name, importable type: test/infra/redeploy.test.ts).
 *
 * `keptEvenOnFailedCreate` (Retain): DynamoDB tables, and the storage key they are encrypted with (with its
 * alias). Deletion protection refuses the delete a rolled-back create would make (the rollback would fail),
 * so a table stays; its key must stay with it, or the table would be left encrypted under a key being
 * deleted. After such a failure, preflight finds the retained key and has it imported with the tables.
 */
export const kept = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
export const keptEvenOnFailedCreate = RemovalPolicy.RETAIN;
