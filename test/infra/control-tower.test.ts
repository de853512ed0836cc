import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRiskloop } from '../../infra/cdk/build.js';
import { type ControlFinding, ControlTowerControls, suppressControl } from '../../infra/cdk/control-tower.js';
import { keyArnOutput } from '../../infra/cdk/data-references.js';
import { props, resourcesOfType, type Synthesized, synthRiskloop } from './synth.js';

/**
 * AWS Control Tower's proactive controls (cfn-guard) on the synthesized templates: `cdk synth` runs them as a
 * validation plugin beside cdk-nag (infra/cdk/nag.ts). Each finding is fixed, or suppressed on its one resource
 * with a reason written into the template (`Metadata.guard`). cfn-guard takes about 25 s per configuration, so
 * it runs once per configuration here, on templates synthesized without it.
 */
const controls = new ControlTowerControls();

function findingsOf(s: Synthesized): ControlFinding[] {
  return controls.findings(s.assembly.stacks.map((stack) => join(s.assembly.directory, stack.templateFile)));
}

const stackOf = (f: ControlFinding) =>
  f.templatePath.replace(/^.*\/(riskloop-[a-z0-9-]+)\.template\.json$/, '$1');
const describeFinding = (f: ControlFinding) => `${f.control} ${f.rule} at ${stackOf(f)} ${f.logicalId}`;
const open = (findings: ControlFinding[]) =>
  findings.filter((f) => !f.suppressedBecause).map(describeFinding);

let s: Synthesized;
let findings: ControlFinding[];

beforeAll(() => {
  s = synthRiskloop({}, { bundle: false });
  findings = findingsOf(s);
});
afterAll(() => s?.cleanup());

describe('AWS Control Tower proactive controls', () => {
  it('run on every synth by default, beside the three cdk-nag packs', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    buildRiskloop(app);
    expect(app.policyValidationBeta1.map((p) => p.name)).toEqual([
      'AwsSolutions',
      'HIPAA.Security',
      'NIST.800.53.R5',
      'control-tower-proactive-controls',
    ]);
  });

  it('leave no unsuppressed finding (listed here if one appears)', () => {
    expect(findings.length).toBeGreaterThan(0);
    expect(open(findings)).toEqual([]);
  });

  it('leave none either with the account logging stack, provisioned capacity, no WAF and 30-day logs', () => {
    const variant = synthRiskloop(
      { apiGatewayCloudWatchRole: true, dynamoCapacity: 'provisioned', waf: false, logRetentionDays: 30 },
      { bundle: false },
    );
    try {
      expect(variant.assembly.stacks.map((st) => st.stackName)).toContain('riskloop-apigateway-logging');
      const variantFindings = findingsOf(variant);
      expect(open(variantFindings)).toEqual([]);
      // The shorter retention is an operator's choice, suppressed with that reason on each log group.
      const retention = variantFindings.filter(
        (f) => f.rule === 'cloudwatch_log_group_retention_period_check',
      );
      expect(retention.length).toBe(
        variant.assembly.stacks.reduce(
          (n, st) => n + resourcesOfType(st.template, 'AWS::Logs::LogGroup').length,
          0,
        ),
      );
      expect(retention.every((f) => f.suppressedBecause?.includes('-c logRetentionDays'))).toBe(true);
    } finally {
      variant.cleanup();
    }
  });

  it('are suppressed only for a known, reviewed set of rules, each on the resources it was reviewed for', () => {
    const count = (rule: string, stack: string) =>
      findings.filter((f) => f.rule === rule && stackOf(f) === stack).length;
    const fns = s.service.findResources('AWS::Lambda::Function');
    const queues = Object.keys(s.service.findResources('AWS::SQS::Queue'));
    const dlqs = resourcesOfType(s.serviceJson, 'AWS::SQS::Queue').filter(([, q]) =>
      String(props(q).QueueName).endsWith('-dlq'),
    );
    const logGroups = (t: Synthesized['service']) =>
      Object.keys(t.findResources('AWS::Logs::LogGroup')).length;
    expect([...new Set(findings.map((f) => f.control))].sort()).toEqual([
      'CT.CLOUDWATCH.PR.3',
      'CT.LAMBDA.PR.2',
      'CT.LAMBDA.PR.3',
      'CT.SQS.PR.1',
      'CT.SQS.PR.2',
    ]);
    expect(count('lambda_inside_vpc_check', 'riskloop-dev-service')).toBe(Object.keys(fns).length);
    expect(count('sqs_queue_encrypted_check', 'riskloop-dev-service')).toBe(queues.length);
    expect(count('sqs_dlq_check', 'riskloop-dev-service')).toBe(dlqs.length);
    expect(count('cloudwatch_log_group_encrypted_check', 'riskloop-dev-service')).toBe(logGroups(s.service));
    expect(count('cloudwatch_log_group_encrypted_check', 'riskloop-dev-api')).toBe(logGroups(s.api));
    expect(count('lambda_function_public_access_prohibited_check', 'riskloop-dev-api')).toBe(
      Object.keys(s.api.findResources('AWS::Lambda::Permission')).length,
    );
    // The data stack's keys have explicit policies that meet CT.KMS.PR.3: nothing there at all.
    expect(findings.filter((f) => stackOf(f) === 'riskloop-dev-data')).toEqual([]);
  });

  it('suppress encryption findings only where the storage key really is set (the rule cannot resolve it)', () => {
    const storageKey = {
      'Fn::GetStackOutput': { StackName: 'riskloop-dev-data', OutputName: keyArnOutput('storage') },
    };
    const property: Record<string, string> = {
      cloudwatch_log_group_encrypted_check: 'KmsKeyId',
      sqs_queue_encrypted_check: 'KmsMasterKeyId',
    };
    const encryption = findings.filter((f) => property[f.rule]);
    expect(encryption.length).toBeGreaterThan(0);
    for (const f of encryption) {
      const template = stackOf(f) === 'riskloop-dev-api' ? s.apiJson : s.serviceJson;
      const value = props(template.Resources[f.logicalId] as never)[property[f.rule] ?? ''];
      expect(value, describeFinding(f)).toEqual(storageKey);
    }
  });

  it('suppress the dead-letter-queue rule only on dead-letter queues, and each has a depth alarm', () => {
    const alarmed = JSON.stringify(s.service.findResources('AWS::CloudWatch::Alarm'));
    for (const f of findings.filter((x) => x.rule === 'sqs_dlq_check')) {
      const queue = props(s.serviceJson.Resources[f.logicalId]);
      expect(String(queue.QueueName), f.logicalId).toMatch(/-dlq$/);
      expect(alarmed.includes(`"${f.logicalId}"`), `${f.logicalId} has no alarm`).toBe(true);
    }
  });

  it('write each suppression with its reason into the template, and none that silences nothing', () => {
    const suppressions = s.assembly.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources as Record<string, { Metadata?: { guard?: unknown } }>).flatMap(
        ([logicalId, r]) => {
          const guard = r.Metadata?.guard as
            | { SuppressedRules: string[]; Reasons: Record<string, string> }
            | undefined;
          if (!guard) return [];
          expect(Object.keys(guard.Reasons).sort(), logicalId).toEqual([...guard.SuppressedRules].sort());
          return guard.SuppressedRules.map((rule) => ({
            stack: stack.stackName,
            logicalId,
            rule,
            reason: guard.Reasons[rule] ?? '',
          }));
        },
      ),
    );
    expect(suppressions.length).toBeGreaterThan(0);
    for (const x of suppressions) {
      expect(x.reason.length, `${x.rule} at ${x.logicalId}`).toBeGreaterThanOrEqual(80);
      const used = findings.some(
        (f) => f.rule === x.rule && f.logicalId === x.logicalId && stackOf(f) === x.stack,
      );
      expect(used, `stale suppression of ${x.rule} at ${x.stack} ${x.logicalId}`).toBe(true);
    }
  });

  it('are live: an unsuppressed finding fails the synth, a suppression with its reason lets it pass', () => {
    const probe = (suppress: boolean) => {
      const app = new App();
      const queue = new Queue(new Stack(app, 'GuardProbe'), 'Plain', {
        encryption: QueueEncryption.SQS_MANAGED,
      });
      if (suppress) {
        suppressControl(
          queue,
          'sqs_dlq_check',
          'Probe of the suppression mechanism in a test: a reason of at least eighty characters, on one resource.',
        );
      }
      Validations.of(app).addPlugins(new ControlTowerControls());
      return () => app.synth();
    };
    expect(probe(false)).toThrow(/sqs_dlq_check/);
    expect(probe(true)).not.toThrow();
  });
});
