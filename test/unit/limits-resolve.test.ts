import { describe, expect, it } from 'vitest';
import { measure } from '../../infra/limits/measure.js';
import { TemplateResolver, worstCaseEnvironments } from '../../infra/limits/resolve.js';
import type { StackTemplate } from '../../infra/limits/template.js';

const env = worstCaseEnvironments[0] as (typeof worstCaseEnvironments)[number];

const producer: StackTemplate = {
  stackName: 'producer',
  templateBytes: 100,
  template: {
    Resources: {
      Key: { Type: 'AWS::KMS::Key' },
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 't1' } },
    },
    Outputs: {
      KeyArn: { Value: { 'Fn::GetAtt': ['Key', 'Arn'] } },
      TableArn: { Value: { 'Fn::GetAtt': ['Table', 'Arn'] }, Export: { Name: 'producer:TableArn' } },
    },
  },
};

const consumer: StackTemplate = {
  stackName: 'consumer',
  templateBytes: 200,
  template: {
    Conditions: { InChina: { 'Fn::Equals': [{ Ref: 'AWS::Partition' }, 'aws-cn'] } },
    Resources: {
      Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
      Policy: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'kms:Decrypt',
                Resource: [
                  { 'Fn::GetStackOutput': { StackName: 'producer', OutputName: 'KeyArn' } },
                  { 'Fn::ImportValue': 'producer:TableArn' },
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
                  { 'Fn::Sub': ['${Arn}/index/*', { Arn: { 'Fn::ImportValue': 'producer:TableArn' } }] },
                  { 'Fn::If': ['InChina', 'china', { Ref: 'AWS::NoValue' }] },
                ],
              },
            ],
          },
        },
      },
    },
  },
};

describe('TemplateResolver: values as CloudFormation resolves them, at their longest', () => {
  const resolver = new TemplateResolver([producer, consumer], env);

  it('follows weak (Fn::GetStackOutput) and strong (Fn::ImportValue) references into the producer', () => {
    const document = resolver.resolve(
      'consumer',
      consumer.template.Resources.Policy?.Properties?.PolicyDocument,
    );
    expect(document).toEqual({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: [
            'arn:aws:kms:ap-southeast-5:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
            'arn:aws:dynamodb:ap-southeast-5:123456789012:table/t1',
            'arn:aws:dynamodb:ap-southeast-5:123456789012:table/t1/index/*',
          ],
        },
      ],
    });
  });

  it('gives a resource without a name the longest name CloudFormation may generate for its type', () => {
    expect(resolver.physicalName('consumer', 'Role')).toHaveLength(64);
    expect(resolver.resolve('consumer', { 'Fn::GetAtt': ['Role', 'Arn'] })).toMatch(
      /^arn:aws:iam::123456789012:role\/consumer-Role-X{50}$/,
    );
  });

  it('substitutes resource attributes, pseudo parameters and literal placeholders in Fn::Sub', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
    const text = '${Role.Arn}|${AWS::Region}|${!Literal}';
    expect(resolver.resolve('consumer', { 'Fn::Sub': text })).toMatch(
      /^arn:aws:iam::\d{12}:role\/.+\|ap-southeast-5\|\$\{Literal\}$/,
    );
  });

  it('refuses what it does not model instead of guessing a length', () => {
    expect(() => resolver.resolve('consumer', { 'Fn::GetAtt': ['Role', 'Unknown'] })).toThrow(/not modelled/);
    expect(() => resolver.resolve('consumer', { 'Fn::Transform': {} })).toThrow(/Cannot resolve/);
  });
});

describe('measure', () => {
  it('reports resolved sizes per stack, policy, role and environment, the largest over every region', () => {
    const figures = measure([producer, consumer], { lambdaConcurrencyQuota: 1000 });
    const policy = figures.find((f) => f.check === 'IAM managed policy size');
    // The GovCloud partition and region make the longest ARNs.
    const gov = new TemplateResolver([producer, consumer], worstCaseEnvironments[1] as typeof env);
    const document = consumer.template.Resources.Policy?.Properties?.PolicyDocument;
    expect(policy?.value).toBe(JSON.stringify(gov.resolve('consumer', document)).length);
    expect(figures.find((f) => f.check === 'IAM managed policies per role')?.value).toBe(1);
    expect(figures.find((f) => f.check === 'Resources per stack' && f.subject === 'producer')?.value).toBe(2);
    expect(figures.find((f) => f.check === 'Lambda reserved concurrency, all functions')?.limit).toBe(900);
  });
});
