import type { ExistingResource } from '../facts.js';
import { blocker, count, type Finding, listed, unknownFact } from '../finding.js';
import type { DeployPlan, NamedResource } from '../plan.js';

/**
 * The blocker for a torn-down data stack's keys (with the commands that import them), and one for each key
 * that cannot be imported as it is.
 */
export function retainedKeyFindings(
  plan: DeployPlan,
  keyAliases: { resource: NamedResource; existing: ExistingResource }[],
  dataLeftovers: NamedResource[],
  file: string,
  context: string,
  deploy: string,
): Finding[] {
  const keys = keyAliases.map(
    ({ resource, existing }) => `${resource.name} -> ${existing.key?.keyId ?? '?'}`,
  );
  const also =
    dataLeftovers.length > 0
      ? `; the mapping also imports ${listed(
          dataLeftovers.map((r) => r.name),
          3,
        )} left behind`
      : '';
  const findings: Finding[] = [
    blocker(
      'resources',
      `${count(keyAliases.length, 'KMS key')} retained from an earlier deployment of ${plan.dataStack} ` +
        `(${listed(keys, 2)}): import them before deploying, or new keys would be created that cannot read what ` +
        'the old ones wrapped',
      `npx cdk import ${plan.dataStack} --resource-mapping ${file}${context} (mapping written to ${file}${also}), ` +
        `then ${deploy}`,
    ),
  ];
  for (const { resource, existing } of keyAliases) {
    const key = existing.key;
    if (!key) {
      findings.push(
        blocker(
          'resources',
          `${resource.name} exists but names no key`,
          `delete the alias (aws kms delete-alias --alias-name ${resource.name})`,
        ),
      );
      continue;
    }
    if (key.state.kind !== 'ok') {
      findings.push(
        unknownFact('resources', `read the state of key ${key.keyId} (${resource.name})`, key.state),
      );
      continue;
    }
    const state = key.state.value;
    if (state === 'PendingDeletion') {
      findings.push(
        blocker(
          'resources',
          `key ${key.keyId} (${resource.name}) is scheduled for deletion: what it wrapped would become unreadable`,
          `aws kms cancel-key-deletion --key-id ${key.keyId}, then aws kms enable-key --key-id ${key.keyId}`,
        ),
      );
    } else if (state === 'Disabled') {
      findings.push(
        blocker(
          'resources',
          `key ${key.keyId} (${resource.name}) is disabled`,
          `aws kms enable-key --key-id ${key.keyId}`,
        ),
      );
    } else if (state !== 'Enabled') {
      findings.push(
        blocker(
          'resources',
          `key ${key.keyId} (${resource.name}) is ${state}, not Enabled`,
          'resolve the key state in KMS before importing it',
        ),
      );
    }
  }
  return findings;
}
