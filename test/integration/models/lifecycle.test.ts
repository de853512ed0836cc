import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import defaultModel from '../../../shared/data/risk-models/default.json' with { type: 'json' };
import { api, env, eventually, lawfulBasis, localDynamo } from '../../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

const assignmentOf = async (pseudonym: string) =>
  (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item;

/** The default model plus one rule for Luxembourg residents, with its own reason code. */
const draft = () => ({
  ...structuredClone(defaultModel),
  metadata: {
    author: 'compliance@bank.example',
    changeNote: 'Review Luxembourg holding structures',
    createdAt: '',
  },
  rules: [
    ...structuredClone(defaultModel.rules),
    {
      id: 'luxembourg-review',
      when: "'LU' in jurisdictions",
      points: 30,
      reasonCode: 'LUXEMBOURG_REVIEW',
      description: 'Resident in Luxembourg: holding structures need a closer look.',
    },
  ],
});

describe('risk model lifecycle', () => {
  it('validates, simulates, publishes and re-segments, auditing every transition', async () => {
    // Prepare: a population with two Luxembourg residents and one German resident.
    const ingest = await api('ingest', 'POST', '/v1/customers', {
      records: ['LU', 'LU', 'DE'].map((country, i) => ({
        externalId: `M-${i}`,
        type: 'individual',
        jurisdictions: [country],
        lawfulBasis,
      })),
    });
    const pseudonyms: string[] = ingest.body.results.map((r: { pseudonym: string }) => r.pseudonym);
    await Promise.all(pseudonyms.map((p) => eventually(() => assignmentOf(p))));

    // Act + Assess: the seeded default is version 1, published.
    const listed = await api('analyst', 'GET', '/v1/risk-models');
    expect(listed.status).toBe(200);
    expect(listed.body.published).toEqual({ modelId: 'aml-default', version: 1 });

    // Only admins create drafts; invalid drafts say where they are wrong.
    expect((await api('analyst', 'POST', '/v1/risk-models', draft())).status).toBe(403);
    const broken = draft();
    (broken.rules[0] as { when: string }).when = 'sanctionsHit &&';
    const invalid = await api('admin', 'POST', '/v1/risk-models', broken);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0]).toMatchObject({ path: 'rules[0].when', code: 'syntax_error' });

    const created = await api('admin', 'POST', '/v1/risk-models', draft());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      modelId: 'aml-default',
      version: 2,
      status: 'draft',
      createdBy: 'local-admin',
    });

    // Simulation: who would move, and why, without writing anything.
    const simulated = await api('analyst', 'POST', '/v1/risk-models/simulate', {
      modelId: 'aml-default',
      version: 2,
    });
    expect(simulated.status).toBe(200);
    expect(simulated.body).toMatchObject({ population: 3, evaluated: 3, moved: 2, upgraded: 2 });
    expect(simulated.body.transitions).toEqual({ low: { medium: 2 } });
    expect(simulated.body.drivers).toEqual([
      { reasonCode: 'LUXEMBOURG_REVIEW', customers: 2, direction: 'up' },
    ]);
    expect((await assignmentOf(pseudonyms[0] as string))?.modelVersion).toBe(1);

    // Scenario: what if Luxembourg joined the high-risk list under the current model?
    const scenario = await api('analyst', 'POST', '/v1/risk-models/simulate', {
      scenario: [{ kind: 'addToList', list: 'highRiskCountries', values: ['LU'] }],
    });
    expect(scenario.body.drivers[0]).toEqual({
      reasonCode: 'HIGH_RISK_JURISDICTION',
      customers: 2,
      direction: 'up',
    });

    // Publication: exactly one published version; everyone re-segmented under it.
    const published = await api('admin', 'POST', '/v1/risk-models/aml-default/versions/2/publish', {});
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({
      published: { modelId: 'aml-default', version: 2 },
      retired: { modelId: 'aml-default', version: 1 },
      resegmentation: { runId: 'run-publish-aml-default-2', enqueued: 3 },
    });
    const moved = await eventually(async () => {
      const a = await assignmentOf(pseudonyms[0] as string);
      return a?.modelVersion === 2 ? a : undefined;
    });
    expect(moved).toMatchObject({ segment: 'medium', previousSegment: 'low' });
    expect(moved.reasonCodes).toContain('LUXEMBOURG_REVIEW');
    expect((await api('admin', 'POST', '/v1/risk-models/aml-default/versions/2/publish', {})).status).toBe(
      409,
    );
    const diff = await api('analyst', 'GET', '/v1/risk-models/aml-default/versions/2/diff/1');
    expect(diff.status).toBe(200);
    expect(diff.body.rules.added.map((r: { id: string }) => r.id)).toEqual(['luxembourg-review']);
    const rendered = await fetch(
      `${inject('runtime').apiUrl}/v1/risk-models/aml-default/versions/2/document`,
      {
        headers: { authorization: `Bearer ${inject('runtime').credentials.compliance}` },
      },
    );
    expect(rendered.headers.get('content-type')).toContain('text/markdown');
    const markdown = await rendered.text();
    expect(markdown).toContain('LUXEMBOURG_REVIEW');
    expect(markdown).toContain('Changes since version 1');
    const v1 = await api('analyst', 'GET', '/v1/risk-models/aml-default/versions/1');
    expect(v1.body).toMatchObject({ status: 'retired', retiredBy: 'local-admin' });

    // Every transition is audited with its author.
    const audit = await doc.send(
      new QueryCommand({
        TableName: env().TABLE_AUDIT,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'stream' },
        ExpressionAttributeValues: { ':s': 'system' },
      }),
    );
    const transitions = (audit.Items ?? [])
      .filter((e) => String(e.action).startsWith('model.'))
      .map((e) => `${e.action} ${e.modelVersion} by ${e.actor.id}`)
      .sort();
    expect(transitions).toEqual([
      'model.created aml-default@1 by system:seed',
      'model.created aml-default@2 by local-admin',
      'model.published aml-default@1 by system:seed',
      'model.published aml-default@2 by local-admin',
    ]);
  });
});
