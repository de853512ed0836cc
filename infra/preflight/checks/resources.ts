/**
 * Resources with our static names that already exist: adopted, imported, or in the way. Ownership comes from
 * the stacks' own resource lists, so a resource a stack already manages is never reported.
 */
import type { ExistingResource, Facts, Observed } from '../facts.js';
import { blocker, count, type Finding, info, listed, okay, unknownFact, warn } from '../finding.js';
import { type DeployPlan, type NamedResource, resourceKey } from '../plan.js';
import { buildImportMapping, type ImportMapping } from './import-mapping.js';
import { retainedKeyFindings } from './retained-keys.js';

/** Types CloudFormation imports by name on `cdk deploy --import-existing-resources`. */
export const importableByName = new Set([
  'AWS::DynamoDB::Table',
  'AWS::Logs::LogGroup',
  'AWS::Events::EventBus',
  'AWS::Events::Archive',
]);

/** Why a type is not probed, where there is more to say than "no probe". */
const notProbed: Record<string, string> = {
  'AWS::ApiGateway::RestApi': 'API Gateway allows several APIs with one name, so none collides',
  'AWS::ApiGateway::Stage': 'named within the REST API the stack creates',
  'AWS::ApiGateway::Model': 'named within the REST API the stack creates',
};

export interface ResourceOptions {
  /** Where the import mapping is written (the next commands name it). */
  importMappingFile: string;
  /** The user's `-c key=value` arguments, repeated in the commands the report prints. */
  contextArgs?: readonly string[];
}

export interface ResourceAssessment {
  findings: Finding[];
  /** The `cdk import --resource-mapping` content for the data stack, when its keys must be imported. */
  importMapping: ImportMapping | undefined;
}

type Ownership = { known: true; stack: string | undefined } | { known: false };

/** Classifies every resource with a static name by what exists under that name and who owns it. */
export function checkResources(plan: DeployPlan, facts: Facts, options: ResourceOptions): ResourceAssessment {
  const context = (options.contextArgs ?? []).map((a) => ` ${a}`).join('');
  const deploy = `npx cdk deploy --all --import-existing-resources${context}`;
  const order = new Map(plan.stacks.map((s, i) => [s.stackName, i]));
  const createdFresh = (stackName: string) => {
    const stack = facts.stacks[stackName];
    return stack?.kind === 'ok' && (stack.value === null || stack.value.status === 'ROLLBACK_COMPLETE');
  };

  const findings: Finding[] = [];
  const notChecked = new Map<string, string[]>();
  const unknown = new Map<
    string,
    { type: string; observed: Exclude<Observed<unknown>, { kind: 'ok' }>; names: string[] }
  >();
  const adopt = new Map<string, NamedResource[]>();
  const ownerUnknown: string[] = [];
  const keyAliases: { resource: NamedResource; existing: ExistingResource }[] = [];
  let free = 0;
  let inPlace = 0;

  for (const r of plan.namedResources) {
    const observed = facts.resources[resourceKey(r)];
    if (!observed) {
      notChecked.set(r.type, [...(notChecked.get(r.type) ?? []), r.name]);
      continue;
    }
    if (observed.kind !== 'ok') {
      const key = `${r.type} ${observed.kind} ${observed.action}`;
      const group = unknown.get(key) ?? { type: r.type, observed, names: [] };
      group.names.push(r.name);
      unknown.set(key, group);
      continue;
    }
    if (observed.value === null) {
      free++;
      continue;
    }
    const owner = ownerOf(plan, facts, r);
    if (!owner.known) {
      ownerUnknown.push(r.name);
    } else if (owner.stack === r.stackName) {
      inPlace++;
    } else if (owner.stack !== undefined) {
      findings.push(moved(r, owner.stack, (order.get(owner.stack) ?? 0) < (order.get(r.stackName) ?? 0)));
    } else if (r.type === 'AWS::KMS::Alias' && r.stackName === plan.dataStack && createdFresh(r.stackName)) {
      keyAliases.push({ resource: r, existing: observed.value });
    } else if (importableByName.has(r.type)) {
      const key = `${r.stackName}\u0000${r.type}`;
      adopt.set(key, [...(adopt.get(key) ?? []), r]);
    } else {
      findings.push(collision(r, observed.value));
    }
  }

  let importMapping: ImportMapping | undefined;
  if (keyAliases.length > 0) {
    const dataLeftovers = [...adopt.entries()]
      .filter(([key]) => key.startsWith(`${plan.dataStack}\u0000`))
      .flatMap(([key, resources]) => {
        adopt.delete(key);
        return resources;
      });
    importMapping = buildImportMapping(
      plan,
      keyAliases.map((k) => ({ alias: k.resource, keyId: k.existing.key?.keyId })),
      dataLeftovers,
    );
    findings.push(
      ...retainedKeyFindings(plan, keyAliases, dataLeftovers, options.importMappingFile, context, deploy),
    );
  }
  for (const resources of adopt.values()) {
    const first = resources[0] as NamedResource;
    findings.push(
      warn(
        'resources',
        `${first.stackName}: ${count(resources.length, typeLabel(first.type))} left behind by an earlier deployment ` +
          `(${listed(resources.map((r) => r.name))}); \`cdk deploy --import-existing-resources\` adopts them`,
        `deploy with ${deploy} (never without --import-existing-resources)`,
      ),
    );
  }
  if (ownerUnknown.length > 0) {
    findings.push(
      warn(
        'resources',
        `${count(ownerUnknown.length, 'resource')} ${ownerUnknown.length === 1 ? 'exists' : 'exist'} under our names, ` +
          `but their stacks could not be read ` +
          `(${listed(ownerUnknown)})`,
        'grant cloudformation:DescribeStacks and cloudformation:ListStackResources and re-run',
      ),
    );
  }
  for (const { type, observed, names } of unknown.values()) {
    const what = `${count(names.length, typeLabel(type))} (${listed(names, 3)}) ${names.length === 1 ? 'exists' : 'exist'}`;
    findings.push(unknownFact('resources', `tell whether ${what}`, observed));
  }
  for (const [type, names] of notChecked) {
    findings.push(
      info(
        'resources',
        `not checked: ${count(names.length, typeLabel(type))} (${listed(names, 3)}): ${notProbed[type] ?? 'not probed'}`,
      ),
    );
  }
  const found = plan.namedResources.length - [...notChecked.values()].flat().length;
  const unknownCount = [...unknown.values()].reduce((sum, g) => sum + g.names.length, 0);
  const elsewhere = found - free - inPlace - unknownCount;
  findings.unshift(
    okay(
      'resources',
      `${count(found, 'named resource')} probed: ${free} free, ${inPlace} already in their stacks` +
        (elsewhere > 0 ? `, ${elsewhere} found outside them (below)` : '') +
        (unknownCount > 0 ? `, ${unknownCount} unknown (below)` : ''),
    ),
  );
  return { findings, importMapping };
}

/**
 * Which of our stacks holds a resource under this name (its own first). Unknown when a stack that exists could
 * not be read; undefined stack when none holds it.
 */
function ownerOf(plan: DeployPlan, facts: Facts, r: NamedResource): Ownership {
  const candidates = [r.stackName, ...plan.stacks.map((s) => s.stackName).filter((s) => s !== r.stackName)];
  let readable = true;
  for (const stackName of candidates) {
    const stack = facts.stacks[stackName];
    if (stack?.kind !== 'ok' || (stack.value !== null && stack.value.resources.kind !== 'ok')) {
      readable = false;
      continue;
    }
    if (stack.value === null || stack.value.resources.kind !== 'ok') continue;
    const held = stack.value.resources.value.some(
      // DELETE_SKIPPED: retained by a rollback or removal, no longer managed by the stack.
      (s) => s.type === r.type && !s.status.startsWith('DELETE_') && identifies(s.physicalId, r.name),
    );
    if (held) return { known: true, stack: stackName };
  }
  return readable ? { known: true, stack: undefined } : { known: false };
}

/**
 * Whether a physical id names `name`: the name itself (tables, log groups, functions, aliases), a queue URL or
 * topic ARN ending in it, a web ACL's `name|id|scope`, or a rule's `bus|name`.
 */
export function identifies(physicalId: string, name: string): boolean {
  return (
    physicalId === name ||
    physicalId.endsWith(`/${name}`) ||
    physicalId.endsWith(`:${name}`) ||
    physicalId.startsWith(`${name}|`) ||
    physicalId.endsWith(`|${name}`)
  );
}

const typeLabel = (type: string) => type.replace(/^AWS::/, '');

function moved(r: NamedResource, owner: string, ownerFirst: boolean): Finding {
  if (ownerFirst) {
    return info(
      'resources',
      `${r.name} moves from ${owner} to ${r.stackName}: ${owner}'s update releases it before ${r.stackName} deploys` +
        (importableByName.has(r.type) ? ', which adopts it' : ''),
    );
  }
  return blocker(
    'resources',
    `${typeLabel(r.type)} ${r.name} belongs to ${owner}, which deploys after ${r.stackName}: the create collides`,
    `deploy ${owner} first so it releases ${r.name}, or delete it from ${owner}`,
  );
}

function collision(r: NamedResource, existing: ExistingResource): Finding {
  if (r.type === 'AWS::KMS::Alias') {
    return blocker(
      'resources',
      `KMS alias ${r.name} already exists outside ${r.stackName}` +
        (existing.key ? ` (it points to key ${existing.key.keyId})` : ''),
      `import it with its key (npx cdk import ${r.stackName}), or delete the stale alias ` +
        `(aws kms delete-alias --alias-name ${r.name})`,
    );
  }
  const queueNote = r.type === 'AWS::SQS::Queue' ? ' (SQS refuses a deleted queue name for 60 s)' : '';
  return blocker(
    'resources',
    `${typeLabel(r.type)} ${r.name} already exists outside ${r.stackName} and would collide`,
    `delete it${queueNote} or choose another stage (-c stage=<name>)`,
  );
}
