import { join } from 'node:path';
import { Duration, Stage } from 'aws-cdk-lib';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type EventBusName,
  envNames,
  type FunctionName,
  type FunctionSpec,
  type KeyPurpose,
  type QueueName,
  settingsOf,
  type TableName,
} from '../manifest.js';
import { bundling, lambdaRuntime, repoRoot, sourceMapHooks } from './bundling.js';
import { type DeployConfig, names } from './config.js';
import { suppressControl } from './control-tower.js';
import { dashboardAssetsHooks } from './dashboard-assets.js';
import { riskloopLogGroup } from './log-groups.js';
import { acknowledge, inPacks } from './nag.js';
import { networkInterfaceActions, type PrivateNetwork, runsInVpc } from './network.js';
import {
  eventStatements,
  keyStatements,
  queueStatements,
  type Resources,
  storageKeyStatement,
  tableStatements,
} from './permissions.js';
import { deadLetterQueue } from './queues.js';

export { repoRoot } from './bundling.js';

/** The cloud assembly directory the construct is synthesized into (cdk.out under the CLI). */
function assemblyDirOf(scope: Construct): string {
  const stage = Stage.of(scope);
  if (!stage) throw new Error(`${scope.node.path} is not inside a CDK app`);
  return stage.outdir;
}

export interface ManifestFunctionProps {
  name: FunctionName;
  spec: FunctionSpec;
  config: DeployConfig;
  resources: Resources;
  /** Private mode: the VPC the function runs in (all but an OIDC authoriser: network.ts, runsInVpc). */
  network?: PrivateNetwork;
}

/**
 * One manifest function: its own role with one customer-managed policy written from the manifest
 * (no inline policies, no AWS-managed policies, no CDK auto-grants), an encrypted log group with
 * retention, and a local esbuild bundle (ESM, minified, AWS SDK included; its source map is kept in
 * the cloud assembly, not deployed: bundling.ts says why).
 */
export class ManifestFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly policy: ManagedPolicy;
  /**
   * The statements as written from the manifest, before CDK merges those with the same actions or
   * resources into one (@aws-cdk/aws-iam:minimizePolicies): the test of the merge compares the two.
   */
  readonly statements: readonly PolicyStatement[];
  readonly logGroup: LogGroup;
  /**
   * Scheduled functions only: runs that failed after Lambda's two retries, and schedule events EventBridge
   * could not deliver within its retries (service-stack.ts). Alarmed on its first message (alarms.ts).
   */
  readonly asyncDlq: Queue | undefined;

  constructor(scope: Construct, id: string, props: ManifestFunctionProps) {
    super(scope, id);
    const { name, spec, config, resources, network } = props;
    const functionName = names.resource(config.stage, name);
    const isAsync = spec.trigger.kind === 'schedule';

    this.logGroup = riskloopLogGroup(this, 'Logs', {
      logGroupName: names.functionLogGroup(config.stage, name),
      retention: config.logRetentionDays,
      key: resources.storageKey,
    });
    this.asyncDlq = isAsync
      ? deadLetterQueue(this, 'AsyncDlq', names.dlq(config.stage, name), resources.storageKey)
      : undefined;

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `riskloop ${config.stage} ${name}: permissions from infra/manifest.ts`,
      // The key policies of the data stack name the role by its path (key-policies.ts).
      path: names.rolePath(config.stage, name),
    });
    this.statements = [
      ...this.manifestStatements(spec, resources),
      ...(network ? [new PolicyStatement({ actions: networkInterfaceActions, resources: ['*'] })] : []),
    ];
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: `riskloop ${config.stage} ${name}: least privilege from infra/manifest.ts`,
      roles: [this.role],
      statements: [...this.statements],
    });
    acknowledge(
      this.policy,
      'AwsSolutions-IAM5[Resource::*]',
      network
        ? 'Only X-Ray (PutTraceSegments, PutTelemetryRecords) and the network interfaces Lambda manages for a ' +
            'function in a VPC (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface, ' +
            'Assign/UnassignPrivateIpAddresses) use Resource "*": neither offers resource-level permissions for ' +
            'them. Every other statement names its table, index, queue, key or log group.'
        : 'Only xray:PutTraceSegments and xray:PutTelemetryRecords use Resource "*": X-Ray has no resource-level ' +
            'permissions for them. Every other statement names its table, index, queue, key or log group.',
    );

    this.fn = new NodejsFunction(this, 'Function', {
      functionName,
      description: spec.description,
      entry: join(repoRoot, spec.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      runtime: lambdaRuntime,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      // Immutable: CDK may not add statements of its own; the managed policy above is complete.
      role: this.role.withoutPolicyUpdates(),
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      ...(network
        ? {
            vpc: network.vpc,
            vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
            securityGroups: [network.functionSecurityGroup],
          }
        : {}),
      reservedConcurrentExecutions: config.reservedConcurrency ? spec.reservedConcurrency : undefined,
      environment: this.environment(spec, config, resources),
      deadLetterQueue: this.asyncDlq,
      retryAttempts: isAsync ? 2 : undefined,
      bundling: {
        ...bundling,
        externalModules: [...bundling.externalModules],
        mainFields: [...bundling.mainFields],
        // The source map leaves the asset (bundling.ts); the dashboard's browser assets are built
        // beside its bundle (infra/cdk/dashboard-assets.ts).
        commandHooks: sourceMapHooks(
          assemblyDirOf(this),
          functionName,
          name === 'dashboard' ? dashboardAssetsHooks : undefined,
        ),
      },
    });
    // The function (and its event source mapping) must not exist before its permissions do.
    this.fn.node.addDependency(this.policy);
    this.acknowledgeFindings(spec, config, network !== undefined);
  }

  /** Why the function runs outside a VPC: the public mode, or the authoriser of an OIDC deployment in private mode. */
  private outsideVpc(spec: FunctionSpec, config: DeployConfig): void {
    if (runsInVpc(spec, config)) throw new Error(`${spec.entry} must run in the VPC in private mode`);
    const reason =
      config.network === 'private'
        ? 'Private mode with an identity provider (-c oidcIssuer): the authoriser stays outside the VPC to fetch ' +
          "the provider's signing keys (JWKS) from the internet, which the isolated subnets cannot reach (no NAT " +
          'by design). It reads only the principals table (docs/deploy.md, "Network modes").'
        : 'Public-endpoint mode, the default (-c network=public): the function calls only AWS regional APIs ' +
          '(DynamoDB, SQS, KMS, EventBridge, X-Ray) over TLS with IAM and serves no private network resource. ' +
          '-c network=private runs it in isolated subnets with VPC endpoints (docs/deploy.md, "Network modes").';
    acknowledge(this.fn, inPacks('LambdaInsideVPC', 'hipaa', 'nist'), reason);
    suppressControl(this.fn, 'lambda_inside_vpc_check', reason);
  }

  private manifestStatements(spec: FunctionSpec, resources: Resources): PolicyStatement[] {
    const statements = [
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
      new PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
      ...tableStatements(spec, resources),
      ...queueStatements(spec, resources),
      ...keyStatements(spec, resources),
      ...eventStatements(spec, resources),
    ];
    if (this.asyncDlq) {
      statements.push(
        new PolicyStatement({
          actions: ['sqs:SendMessage'],
          resources: [this.asyncDlq.queueArn],
        }),
      );
    }
    if (spec.tables || spec.queues || this.asyncDlq) {
      statements.push(storageKeyStatement(spec, resources, this.asyncDlq !== undefined));
    }
    return statements;
  }

  /** Exactly the settings the handler validates at cold start (settingsOf), plus runtime options. */
  private environment(
    spec: FunctionSpec,
    config: DeployConfig,
    resources: Resources,
  ): Record<string, string> {
    const env: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: 'riskloop',
      POWERTOOLS_LOG_LEVEL: config.logLevel,
    };
    for (const t of Object.keys(spec.tables ?? {}) as TableName[]) {
      env[envNames.table(t)] = resources.tables[t].tableName;
    }
    for (const q of Object.keys(spec.queues ?? {}) as QueueName[]) {
      env[envNames.queueUrl(q)] = resources.queues[q].queueUrl;
    }
    for (const k of Object.keys(spec.keys ?? {}) as KeyPurpose[])
      env[envNames.key(k)] = resources.keys[k].keyArn;
    for (const b of Object.keys(spec.events ?? {}) as EventBusName[]) {
      env[envNames.eventBus(b)] = resources.eventBuses[b].eventBusName;
    }
    // Read by shared/adapters/compose.ts; only functions that wrap subject keys need it.
    if (spec.keys?.dataKeys) env.KEK_VERSION = config.kekVersion;
    // The authoriser accepts people's access tokens from the configured issuer (docs/auth.md).
    if (spec.trigger.kind === 'authorizer') Object.assign(env, config.oidcSettings);
    // The console's page tells the browser where to sign in (docs/console.md).
    if (spec.trigger.kind === 'http' && spec.trigger.routes.some((r) => r.path === '/console/config.json')) {
      Object.assign(env, config.consoleSettings);
    }
    // The functions that carry out four-eyes actions decide on them too (docs/auth.md).
    if (spec.tables?.approvals === 'readwrite') Object.assign(env, config.fourEyesSettings);
    const missing = settingsOf(spec).filter((s) => !(s in env));
    if (missing.length > 0) throw new Error(`No value for ${missing.join(', ')}`);
    return env;
  }

  private acknowledgeFindings(spec: FunctionSpec, config: DeployConfig, inVpc: boolean): void {
    if (!inVpc) this.outsideVpc(spec, config);
    if (spec.reservedConcurrency !== undefined && !config.reservedConcurrency) {
      acknowledge(
        this.fn,
        inPacks('LambdaConcurrency', 'hipaa', 'nist'),
        'Reservations switched off with -c reservedConcurrency=false, for an account whose Lambda quota cannot ' +
          'hold them (docs/deploy.md, "Lambda concurrency"); the SQS maximum concurrency and API method ' +
          'throttling still bound this function.',
      );
    } else if (spec.reservedConcurrency === undefined) {
      acknowledge(
        this.fn,
        inPacks('LambdaConcurrency', 'hipaa', 'nist'),
        spec.trigger.kind === 'deployment'
          ? 'Runs once per deployment (a CloudFormation custom resource): nothing else invokes it, so there is ' +
              'no concurrency to bound.'
          : spec.trigger.kind === 'schedule'
            ? 'Started once per schedule tick by EventBridge, so its concurrency is bounded by the schedule; ' +
              'it protects no downstream quota that a reservation would.'
            : 'Concurrency is bounded by API Gateway stage and method throttling; reserving capacity here would ' +
              'carve it out of the account pool without protecting a downstream quota (infra/manifest.ts).',
      );
    }
    if (spec.trigger.kind !== 'schedule') {
      acknowledge(
        this.fn,
        inPacks('LambdaDLQ', 'hipaa', 'nist'),
        spec.trigger.kind === 'deployment'
          ? 'Invoked by CloudFormation for its custom resource, which waits for the answer: a failure fails and ' +
              'rolls back the deploy, in the stack events, and Lambda retries it twice. Nothing to park in a DLQ.'
          : spec.trigger.kind === 'sqs'
            ? 'Invoked synchronously by the SQS event source mapping: failed records return to the queue and ' +
              'reach its redrive DLQ after maxReceiveCount. A Lambda DLQ only applies to async invocations.'
            : 'Invoked synchronously by API Gateway: a failure returns a 5xx to the caller, who retries. A Lambda ' +
              'DLQ only captures asynchronous invocations, of which this function has none.',
      );
    }
  }
}
