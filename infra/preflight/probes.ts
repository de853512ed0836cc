/**
 * Does something already exist under one of our static names? One read-only call per name and type (or one
 * listing per type where the API offers it). Types without a probe are left out of the result: the report
 * lists them as not checked.
 */
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { ListWebACLsCommand } from '@aws-sdk/client-wafv2';
import type { AwsClients } from './aws-clients.js';
import type { ExistingResource, Identity, KeyFact, Observed } from './facts.js';
import { mapLimit, named, observe, observeValue } from './observe.js';
import { type NamedResource, resourceKey } from './plan.js';

/** Calls in flight at once per probe. */
const parallel = 4;

type Probe = (
  names: readonly NamedResource[],
) => Promise<Map<NamedResource, Observed<ExistingResource | null>>>;

const exists = (found: unknown): ExistingResource | null => (found === null ? null : {});

/** Probes every resource of a type that has a probe; the result is keyed by `resourceKey`. */
export async function probeResources(
  clients: AwsClients,
  resources: readonly NamedResource[],
  identity: Identity,
): Promise<Record<string, Observed<ExistingResource | null>>> {
  const probes = probesFor(clients, identity);
  const result: Record<string, Observed<ExistingResource | null>> = {};
  const byType = new Map<string, NamedResource[]>();
  for (const r of resources) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  for (const [type, group] of byType) {
    const probe = probes[type];
    if (!probe) continue;
    const probed = group.filter((r) => r.type !== 'AWS::WAFv2::WebACL' || r.scope === 'REGIONAL');
    for (const [r, observed] of await probe(probed)) result[resourceKey(r)] = observed;
  }
  return result;
}

/** One call per name, a few at a time. */
const each =
  (check: (r: NamedResource) => Promise<Observed<ExistingResource | null>>): Probe =>
  async (names) => {
    const results = await mapLimit(names, parallel, check);
    return new Map(names.map((r, i) => [r, results[i] as Observed<ExistingResource | null>]));
  };

/** One listing for all names: every name shares its outcome (found or not, or the listing's failure). */
const listing =
  (list: () => Promise<Observed<Set<string>>>): Probe =>
  async (names) => {
    if (names.length === 0) return new Map();
    const listed = await list();
    return new Map(
      names.map((r) => [
        r,
        listed.kind === 'ok' ? { kind: 'ok', value: listed.value.has(r.name) ? {} : null } : listed,
      ]),
    );
  };

const notFound = named('ResourceNotFoundException');

function probesFor(clients: AwsClients, identity: Identity): Record<string, Probe> {
  const { region } = clients;
  return {
    'AWS::DynamoDB::Table': each(async (r) =>
      map(
        await observe(
          'dynamodb:DescribeTable',
          () => clients.dynamodb.send(new DescribeTableCommand({ TableName: r.name })),
          notFound,
        ),
        exists,
      ),
    ),
    'AWS::Logs::LogGroup': each(async (r) =>
      map(await observe('logs:DescribeLogGroups', () => logGroupExists(clients, r.name)), (found) =>
        found ? {} : null,
      ),
    ),
    'AWS::Events::EventBus': each(async (r) =>
      map(
        await observe(
          'events:DescribeEventBus',
          () => clients.eventBridge.send(new DescribeEventBusCommand({ Name: r.name })),
          notFound,
        ),
        exists,
      ),
    ),
    'AWS::Events::Archive': each(async (r) =>
      map(
        await observe(
          'events:DescribeArchive',
          () => clients.eventBridge.send(new DescribeArchiveCommand({ ArchiveName: r.name })),
          notFound,
        ),
        exists,
      ),
    ),
    'AWS::Events::Rule': each(async (r) =>
      map(
        await observe(
          'events:DescribeRule',
          () =>
            clients.eventBridge.send(new DescribeRuleCommand({ Name: r.name, EventBusName: r.eventBusName })),
          notFound,
        ),
        exists,
      ),
    ),
    'AWS::SQS::Queue': each(async (r) =>
      map(
        await observe(
          'sqs:GetQueueUrl',
          () => clients.sqs.send(new GetQueueUrlCommand({ QueueName: r.name })),
          named('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'),
        ),
        exists,
      ),
    ),
    'AWS::Lambda::Function': each(async (r) =>
      map(
        await observe(
          'lambda:GetFunction',
          () => clients.lambda.send(new GetFunctionCommand({ FunctionName: r.name })),
          notFound,
        ),
        exists,
      ),
    ),
    'AWS::SNS::Topic': each(async (r) =>
      map(
        await observe(
          'sns:GetTopicAttributes',
          () =>
            clients.sns.send(
              new GetTopicAttributesCommand({
                TopicArn: `arn:${identity.partition}:sns:${region}:${identity.account}:${r.name}`,
              }),
            ),
          named('NotFoundException', 'NotFound'),
        ),
        exists,
      ),
    ),
    'AWS::CloudWatch::Alarm': async (names) => {
      const found = new Map<NamedResource, Observed<ExistingResource | null>>();
      // DescribeAlarms takes up to 100 names per call.
      for (let i = 0; i < names.length; i += 100) {
        const batch = names.slice(i, i + 100);
        const listed = await observeValue('cloudwatch:DescribeAlarms', () =>
          alarmNames(
            clients,
            batch.map((r) => r.name),
          ),
        );
        for (const r of batch) {
          found.set(
            r,
            listed.kind === 'ok' ? { kind: 'ok', value: listed.value.has(r.name) ? {} : null } : listed,
          );
        }
      }
      return found;
    },
    'AWS::WAFv2::WebACL': listing(() =>
      observeValue('wafv2:ListWebACLs', () => regionalWebAclNames(clients)),
    ),
    'AWS::KMS::Alias': async (names) => {
      const found = new Map<NamedResource, Observed<ExistingResource | null>>();
      if (names.length === 0) return found;
      const aliases = await observeValue('kms:ListAliases', () => aliasTargets(clients));
      for (const r of names) {
        if (aliases.kind !== 'ok') {
          found.set(r, aliases);
          continue;
        }
        const target = aliases.value.get(r.name);
        found.set(r, {
          kind: 'ok',
          value: target === undefined ? null : { key: await describeKey(clients, target) },
        });
      }
      return found;
    },
  };
}

function map<T, U>(observed: Observed<T>, fn: (value: T) => U): Observed<U> {
  return observed.kind === 'ok' ? { kind: 'ok', value: fn(observed.value) } : observed;
}

/** DescribeLogGroups matches a prefix: the name exists only if one group has it exactly. */
async function logGroupExists(clients: AwsClients, name: string): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await clients.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: name, nextToken, limit: 50 }),
    );
    if (page.logGroups?.some((g) => g.logGroupName === name)) return true;
    nextToken = page.nextToken;
  } while (nextToken);
  return false;
}

async function alarmNames(clients: AwsClients, names: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await clients.cloudWatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: names,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: nextToken,
      }),
    );
    for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      if (a.AlarmName) found.add(a.AlarmName);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return found;
}

async function regionalWebAclNames(clients: AwsClients): Promise<Set<string>> {
  const found = new Set<string>();
  let marker: string | undefined;
  do {
    const page = await clients.wafv2.send(
      new ListWebACLsCommand({ Scope: 'REGIONAL', Limit: 100, NextMarker: marker }),
    );
    for (const acl of page.WebACLs ?? []) if (acl.Name) found.add(acl.Name);
    // WAFv2 returns a marker even on the last page: an empty page ends the listing.
    marker = page.WebACLs?.length ? page.NextMarker : undefined;
  } while (marker);
  return found;
}

/** Every alias of the account and region with the key it points to (aliases without a target left out). */
async function aliasTargets(clients: AwsClients): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let marker: string | undefined;
  do {
    const page = await clients.kms.send(new ListAliasesCommand({ Limit: 100, Marker: marker }));
    for (const a of page.Aliases ?? [])
      if (a.AliasName && a.TargetKeyId) found.set(a.AliasName, a.TargetKeyId);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return found;
}

async function describeKey(clients: AwsClients, keyId: string): Promise<KeyFact> {
  const state = await observeValue('kms:DescribeKey', async () => {
    const { KeyMetadata } = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    return KeyMetadata?.KeyState ?? 'Unknown';
  });
  return { keyId, state };
}
