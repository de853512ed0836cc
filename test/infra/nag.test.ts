import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compliancePacks } from '../../infra/cdk/nag.js';
import { type Synthesized, synthRiskloop } from './synth.js';

/**
 * The three cdk-nag packs run on every synth (Validations plugins): synthRiskloop() itself fails on
 * any unacknowledged finding. These tests make that explicit, prove the packs are live, and audit
 * the acknowledgements themselves.
 */
let s: Synthesized;

beforeAll(() => {
  s = synthRiskloop({}, { bundle: false });
});
afterAll(() => s?.cleanup());

interface Finding {
  rule: string;
  path: string;
}

function findings(app: App): Finding[] {
  return compliancePacks(app).flatMap((pack) =>
    pack
      .validateScope(app)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })),
      ),
  );
}

/** What the packs would report if nothing were acknowledged. */
function rawFindings(app: App): Finding[] {
  const spy = vi.spyOn(NagPack.prototype as unknown as { isAcknowledged: () => boolean }, 'isAcknowledged');
  spy.mockReturnValue(false);
  try {
    return findings(app);
  } finally {
    spy.mockRestore();
  }
}

function acknowledgements(
  root: IConstruct,
): { path: string; construct: IConstruct; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          construct,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag: AwsSolutions, HIPAA Security, NIST 800-53 R5', () => {
  it('registers the three packs as validation plugins of the app', () => {
    const names = compliancePacks(new App()).map((p) => p.readPackName);
    expect(names).toEqual(['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5']);
  });

  it('leaves no unacknowledged finding', () => {
    const open = findings(s.app);
    expect(open.map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
  });

  it('also passes with WAF switched off (the exception is acknowledged on the stage)', () => {
    const off = synthRiskloop({ waf: false }, { bundle: false });
    try {
      expect(findings(off.app)).toEqual([]);
    } finally {
      off.cleanup();
    }
  });

  it('also passes with the account-level API Gateway logging stack (its AWS-managed policy acknowledged)', () => {
    const withRole = synthRiskloop({ apiGatewayCloudWatchRole: true }, { bundle: false });
    try {
      expect(withRole.built.account).toBeDefined();
      expect(findings(withRole.app)).toEqual([]);
      expect([...new Set(rawFindings(withRole.app).map((f) => f.rule))]).toContain(
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      );
    } finally {
      withRole.cleanup();
    }
  });

  it('also passes with provisioned DynamoDB capacity (auto scaling on every table and index)', () => {
    const provisioned = synthRiskloop({ dynamoCapacity: 'provisioned' }, { bundle: false });
    try {
      expect(findings(provisioned.app)).toEqual([]);
    } finally {
      provisioned.cleanup();
    }
  });

  it('also passes in private network mode: no LambdaInsideVPC at all, the default group the one new rule', () => {
    const isolated = synthRiskloop({ network: 'private' }, { bundle: false });
    try {
      expect(findings(isolated.app)).toEqual([]);
      const rules = (app: App) => new Set(rawFindings(app).map((f) => f.rule));
      const privateRules = rules(isolated.app);
      const publicRules = rules(s.app);
      expect([...privateRules].filter((r) => r.includes('LambdaInsideVPC'))).toEqual([]);
      expect([...privateRules].filter((r) => !publicRules.has(r)).sort()).toEqual([
        'HIPAA.Security-VPCDefaultSecurityGroupClosed',
        'NIST.800.53.R5-VPCDefaultSecurityGroupClosed',
      ]);
      // No acknowledgement of the private mode is stale either. (CDK itself acknowledges a cfn-lint warning,
      // CloudFormation-Validate::W3010, on the stack whose VPC reads the stack's availability zones.)
      const raw = rawFindings(isolated.app);
      const ours = acknowledgements(isolated.app).filter((a) => /^(AwsSolutions|HIPAA|NIST)/.test(a.id));
      expect(ours.length).toBeGreaterThan(0);
      for (const ack of ours) {
        const used = raw.some(
          (f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
        );
        expect(used, `${ack.id} at ${ack.path}`).toBe(true);
      }
    } finally {
      isolated.cleanup();
    }
  });

  it('is live: a non-compliant resource fails the synth', () => {
    const app = new App();
    const stack = new Stack(app, 'NagProbe');
    new Queue(stack, 'Plain', { encryption: QueueEncryption.UNENCRYPTED });
    for (const pack of compliancePacks(app)) Validations.of(app).addPlugins(pack);
    expect(findings(app).map((f) => f.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS2/);
  });
});

describe('acknowledgements', () => {
  it('sit on CloudFormation resources, never on the app, a stage or a stack', () => {
    const acks = acknowledgements(s.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(App.isApp(ack.construct) || Stack.isStack(ack.construct), ack.path).toBe(false);
      // On the CloudFormation resource itself: nothing next to it inherits the exception.
      expect(CfnResource.isCfnResource(ack.construct), ack.path).toBe(true);
    }
  });

  it('each give a specific reason', () => {
    for (const ack of acknowledgements(s.app)) {
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(80);
    }
  });

  it('each silence a finding that really exists (no stale exceptions)', () => {
    const raw = rawFindings(s.app);
    for (const ack of acknowledgements(s.app)) {
      const used = raw.some(
        (f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      );
      expect(used, `${ack.id} at ${ack.path}`).toBe(true);
    }
  });

  it('cover a known, reviewed set of rules', () => {
    const rules = [...new Set(rawFindings(s.app).map((f) => f.rule))].sort();
    expect(rules).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-COG4',
        'AwsSolutions-IAM5[Resource::*]',
        'HIPAA.Security-APIGWCacheEnabledAndEncrypted',
        'HIPAA.Security-APIGWSSLEnabled',
        'HIPAA.Security-DynamoDBInBackupPlan',
        'HIPAA.Security-LambdaConcurrency',
        'HIPAA.Security-LambdaDLQ',
        'HIPAA.Security-LambdaInsideVPC',
        'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
        'NIST.800.53.R5-APIGWSSLEnabled',
        'NIST.800.53.R5-DynamoDBInBackupPlan',
        'NIST.800.53.R5-LambdaConcurrency',
        'NIST.800.53.R5-LambdaDLQ',
        'NIST.800.53.R5-LambdaInsideVPC',
      ].sort(),
    );
  });
});
