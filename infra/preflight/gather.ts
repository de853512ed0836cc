/**
 * The adapter: reads, with Describe/Get/List calls only, everything the checks need, and hands it over as
 * plain Facts. Nothing here decides whether a deploy will succeed; checks/ does.
 */
import { GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand, GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from './aws-clients.js';
import type { Facts, Gathered, Identity, Observed, StackFact, StackResourceFact } from './facts.js';
import { errorMessage, errorName, mapLimit, named, observe, observeValue, unobserved } from './observe.js';
import { type DeployPlan, resourceKey } from './plan.js';
import { probeResources } from './probes.js';

/** How AWS answers a signed call to a region the account has not enabled (its credentials are unknown there). */
const regionRefusal = named(
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'AuthFailure',
  'OptInRequired',
);

/** Gathers the facts for `plan`, or stops after the identity when the region cannot be used at all. */
export async function gatherFacts(clients: AwsClients, plan: DeployPlan): Promise<Gathered> {
  const { region } = clients;
  const who = await identity(clients);
  if (who.kind === 'region-disabled') return who;
  const services = await offeredServices(clients);
  if (services.refusal) return regionDisabled(who.identity, region, services.refusal);
  const bootstrap: Facts['bootstrap'] = {};
  for (const parameter of new Set(plan.stacks.map((s) => s.bootstrapParameter))) {
    bootstrap[parameter] = await bootstrapVersion(clients, parameter);
  }
  const stacks: Facts['stacks'] = {};
  for (const { stackName } of plan.stacks) stacks[stackName] = await stack(clients, stackName);
  const resources = await probeResources(clients, plan.namedResources, who.identity);
  const functionNames = plan.namedResources
    .filter((r) => r.type === 'AWS::Lambda::Function')
    .filter((r) => {
      const found = resources[resourceKey(r)];
      return found?.kind === 'ok' && found.value !== null;
    })
    .map((r) => r.name);
  const reservations = await mapLimit(functionNames, 4, (name) => functionReservation(clients, name));
  return {
    kind: 'complete',
    facts: {
      identity: who.identity,
      region,
      regionServices: services.observed,
      bootstrap,
      lambdaAccount: await lambdaAccount(clients),
      functionReservations: Object.fromEntries(
        functionNames.map((name, i) => [name, reservations[i] ?? noReservation]),
      ),
      apiGatewayRoleArn: await observe('apigateway:GET', async () => {
        const account = await clients.apiGateway.send(new GetAccountCommand({}));
        return account.cloudwatchRoleArn || null;
      }),
      stacks,
      resources,
      iamRoles: await observeValue('iam:GetAccountSummary', async () => {
        const { SummaryMap } = await clients.iam.send(new GetAccountSummaryCommand({}));
        return { roles: SummaryMap?.Roles ?? 0, quota: SummaryMap?.RolesQuota ?? 0 };
      }),
    },
  };
}

const noReservation: Observed<number | null> = { kind: 'ok', value: null };

function regionDisabled(identity: Identity, region: string, message: string): Gathered {
  return { kind: 'region-disabled', identity, region, message };
}

/**
 * Who we are. A region the account has not enabled refuses the credentials; the partition's home region
 * then still answers, which tells that case apart from credentials that work nowhere (those throw).
 */
async function identity(
  clients: AwsClients,
): Promise<{ kind: 'ok'; identity: Identity } | Extract<Gathered, { kind: 'region-disabled' }>> {
  try {
    return { kind: 'ok', identity: await callerIdentity(clients.sts) };
  } catch (error) {
    if (!regionRefusal(error)) throw credentialsError(error);
    let elsewhere: Identity;
    try {
      elsewhere = await callerIdentity(clients.stsElsewhere());
    } catch {
      throw credentialsError(error);
    }
    return {
      kind: 'region-disabled',
      identity: elsewhere,
      region: clients.region,
      message: `${errorName(error)}: ${errorMessage(error)}`,
    };
  }
}

/** Credentials that work nowhere, or no way to reach AWS: nothing can be checked, so preflight stops. */
function credentialsError(error: unknown): Error {
  const detail = `${errorName(error)}: ${errorMessage(error)}`;
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|TimeoutError/.test(detail)) {
    return new Error(`Could not reach AWS STS (${detail}). Check the region name and the network.`);
  }
  return new Error(
    `AWS did not accept these credentials (${detail}). Check --profile, AWS_PROFILE or the AWS_* variables, ` +
      'and sign in again if the session expired.',
  );
}

async function callerIdentity(sts: STSClient): Promise<Identity> {
  const out = await sts.send(new GetCallerIdentityCommand({}));
  const arn = out.Arn ?? '';
  return { account: out.Account ?? '', arn, partition: arn.split(':')[1] || 'aws' };
}

/** The region's services; `refusal` says why when the region refused our credentials (not enabled). */
async function offeredServices(
  clients: AwsClients,
): Promise<{ observed: Observed<string[]>; refusal?: string | undefined }> {
  try {
    const services: string[] = [];
    let token: string | undefined;
    do {
      const page = await clients.ssm.send(
        new GetParametersByPathCommand({
          Path: `/aws/service/global-infrastructure/regions/${clients.region}/services`,
          NextToken: token,
          MaxResults: 10,
        }),
      );
      for (const p of page.Parameters ?? []) if (p.Value) services.push(p.Value);
      token = page.NextToken;
    } while (token);
    return { observed: { kind: 'ok', value: services } };
  } catch (error) {
    return {
      observed: unobserved('ssm:GetParametersByPath', error),
      refusal: regionRefusal(error) ? `${errorName(error)}: ${errorMessage(error)}` : undefined,
    };
  }
}

async function bootstrapVersion(clients: AwsClients, name: string): Promise<Observed<number | null>> {
  return observe(
    'ssm:GetParameter',
    async () => {
      const { Parameter } = await clients.ssm.send(new GetParameterCommand({ Name: name }));
      return Number(Parameter?.Value);
    },
    named('ParameterNotFound'),
  );
}

async function lambdaAccount(clients: AwsClients): Promise<Facts['lambdaAccount']> {
  return observeValue('lambda:GetAccountSettings', async () => {
    const { AccountLimit } = await clients.lambda.send(new GetAccountSettingsCommand({}));
    return {
      quota: AccountLimit?.ConcurrentExecutions ?? 0,
      unreserved: AccountLimit?.UnreservedConcurrentExecutions ?? 0,
    };
  });
}

async function functionReservation(clients: AwsClients, name: string): Promise<Observed<number | null>> {
  return observe(
    'lambda:GetFunctionConcurrency',
    async () => {
      const out = await clients.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }));
      return out.ReservedConcurrentExecutions ?? null;
    },
    named('ResourceNotFoundException'),
  );
}

/** DescribeStacks answers "does not exist" with a ValidationError: that is the first-deploy case. */
const stackAbsent = (error: unknown) =>
  errorName(error) === 'ValidationError' && /does not exist/.test(errorMessage(error));

async function stack(clients: AwsClients, stackName: string): Promise<Observed<StackFact | null>> {
  const described = await observe(
    'cloudformation:DescribeStacks',
    async () =>
      (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0] ??
      null,
    stackAbsent,
  );
  if (described.kind !== 'ok' || described.value === null) return described as Observed<null>;
  return {
    kind: 'ok',
    value: {
      status: described.value.StackStatus ?? 'UNKNOWN',
      terminationProtection: described.value.EnableTerminationProtection ?? false,
      resources: await observeValue('cloudformation:ListStackResources', () =>
        stackResources(clients, stackName),
      ),
    },
  };
}

async function stackResources(clients: AwsClients, stackName: string): Promise<StackResourceFact[]> {
  const resources: StackResourceFact[] = [];
  let token: string | undefined;
  do {
    const page = await clients.cloudFormation.send(
      new ListStackResourcesCommand({ StackName: stackName, NextToken: token }),
    );
    for (const r of page.StackResourceSummaries ?? []) {
      resources.push({
        logicalId: r.LogicalResourceId ?? '',
        physicalId: r.PhysicalResourceId ?? '',
        type: r.ResourceType ?? '',
        status: r.ResourceStatus ?? '',
      });
    }
    token = page.NextToken;
  } while (token);
  return resources;
}
