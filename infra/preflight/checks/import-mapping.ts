import type { DeployPlan, NamedResource } from '../plan.js';

/** `cdk import --resource-mapping` content: logical id -> the identifier properties of the resource to import. */
export type ImportMapping = Record<string, Record<string, string>>;

/**
 * The mapping that imports a torn-down data stack's retained resources: each key (found through its alias's
 * `TargetKeyId: Fn::GetAtt [key, Arn]`) by KeyId, each alias by AliasName, and every leftover importable by
 * its name property (which is its CloudFormation primary identifier). Template order, keys before aliases.
 */
export function buildImportMapping(
  plan: DeployPlan,
  aliases: readonly { alias: NamedResource; keyId: string | undefined }[],
  leftovers: readonly NamedResource[],
): ImportMapping {
  const mapping: ImportMapping = {};
  const keyOf = new Map(aliases.map((a) => [a.alias, a.keyId]));
  const importing = new Set(leftovers);
  for (const r of plan.namedResources) {
    if (r.stackName !== plan.dataStack) continue;
    if (keyOf.has(r)) {
      const keyId = keyOf.get(r);
      if (r.keyLogicalId && keyId) mapping[r.keyLogicalId] = { KeyId: keyId };
      mapping[r.logicalId] = { AliasName: r.name };
    } else if (importing.has(r)) {
      mapping[r.logicalId] = { [r.nameProperty]: r.name };
    }
  }
  return mapping;
}

/** The file's text, as `cdk import --resource-mapping <file>` reads it. */
export const importMappingText = (mapping: ImportMapping) => `${JSON.stringify(mapping, null, 2)}\n`;
