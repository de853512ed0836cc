import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { parseDetail, type WorkflowEventType } from '../../shared/domain/events/index.js';
import { api, eventually, lawfulBasis, runId } from '../helpers/local.js';

interface LoggedEvent {
  id: string;
  source: string;
  'detail-type': WorkflowEventType;
  eventBusName: string;
  detail: Record<string, unknown>;
}

/** The local event log: everything the EventBridge stand-in accepted (GET /events on the admin endpoint). */
async function eventLog(detailType?: WorkflowEventType): Promise<LoggedEvent[]> {
  const query = detailType ? `?detailType=${encodeURIComponent(detailType)}` : '';
  const res = await fetch(`${inject('runtime').adminUrl}/events${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as LoggedEvent[];
}

describe('workflow events on the compliance bus', () => {
  it('a customer entering a high-risk segment raises SegmentChanged and EnhancedDueDiligenceRequired', async () => {
    // Prepare: a PEP lands in `high` (the default model's pep rule raises to at least high, EDD policy)
    const id = runId();
    const externalId = `EV-${id}-1`;
    const personalData = { name: `Eve Ventura ${id}`, email: `eve.${id}@example.test` };
    const record = {
      externalId,
      type: 'individual',
      personalData,
      jurisdictions: ['DE'],
      lawfulBasis,
      flags: { pep: true },
    };

    // Act
    const res = await api('ingest', 'POST', '/v1/customers', { records: [record] });

    // Assess
    expect(res.status).toBe(207);
    const pseudonym: string = res.body.results[0].pseudonym;
    const forSubject = (events: LoggedEvent[]) => events.filter((e) => e.detail.subject === pseudonym);
    const edd = await eventually(async () => {
      const found = forSubject(await eventLog('EnhancedDueDiligenceRequired'));
      return found.length > 0 ? found : undefined;
    });
    const changed = forSubject(await eventLog('SegmentChanged'));
    expect(changed).toHaveLength(1);
    expect(edd).toHaveLength(1);

    const segmentChanged = parseDetail('SegmentChanged', changed[0]?.detail);
    expect(segmentChanged).toMatchObject({
      subject: pseudonym,
      segmentBefore: null,
      segmentAfter: 'high',
      change: 'assigned',
      alert: true,
      policy: { enhancedDueDiligence: true, policyRef: 'EDD' },
      reasonCodes: expect.arrayContaining(['PEP']),
    });
    const eddDetail = parseDetail('EnhancedDueDiligenceRequired', edd[0]?.detail);
    expect(eddDetail).toMatchObject({ subject: pseudonym, segment: 'high', previousSegment: null });
    expect(eddDetail.eventId).not.toBe(segmentChanged.eventId);
    for (const e of [...changed, ...edd]) {
      expect(e.source).toBe('riskloop');
      expect(e.eventBusName).toMatch(/^riskloop-[a-z0-9]+-compliance$/);
    }

    // No clear identifier or personal data anywhere in the event log, whoever published it.
    const everything = JSON.stringify(await eventLog());
    for (const secret of [externalId, personalData.name, personalData.email]) {
      expect(everything).not.toContain(secret);
    }
    // Every riskloop event in the log parses with its schema.
    for (const e of (await eventLog()).filter((x) => x.source === 'riskloop')) {
      expect(() => parseDetail(e['detail-type'], e.detail)).not.toThrow();
    }
  });

  it('a re-sent identical customer publishes nothing new', async () => {
    // Prepare
    const id = runId();
    const record = {
      externalId: `EV-${id}-2`,
      type: 'corporate',
      jurisdictions: ['IR'],
      lawfulBasis,
      flags: { sanctionsHit: true },
    };
    const first = await api('ingest', 'POST', '/v1/customers', { records: [record] });
    const pseudonym: string = first.body.results[0].pseudonym;
    const mine = async () => (await eventLog()).filter((e) => e.detail.subject === pseudonym);
    const before = await eventually(async () => {
      const found = await mine();
      return found.some((e) => e['detail-type'] === 'EnhancedDueDiligenceRequired') ? found : undefined;
    });

    // Act
    const again = await api('ingest', 'POST', '/v1/customers', { records: [record] });
    await new Promise((r) => setTimeout(r, 1500));

    // Assess
    expect(again.body.results[0].status).toBe('duplicate');
    expect((await mine()).map((e) => e.id)).toEqual(before.map((e) => e.id));
    expect(before.find((e) => e['detail-type'] === 'SegmentChanged')?.detail).toMatchObject({
      segmentAfter: 'critical',
    });
  });

  it('the daily blind-spot check runs against the local system with its manifest settings', async () => {
    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', resolve('infra/local/invoke.ts'), 'feedbackReviewScheduler'],
      { env: { ...process.env, RISKLOOP_DATA_DIR: inject('runtime').dataDir } },
    );

    // Assess
    const result = JSON.parse(stdout.slice(stdout.indexOf('{\n')));
    expect(result).toEqual({ reviewsSuggested: expect.any(Number) });
    const segmentFindings = (await eventLog('ComplianceReviewSuggested')).filter(
      (e) => e.detail.scope === 'segment',
    );
    expect(segmentFindings.length).toBeGreaterThanOrEqual(result.reviewsSuggested);
    expect(inject('runtime').env.EVENT_BUS_COMPLIANCE_NAME).toBe(
      `riskloop-${inject('runtime').stage}-compliance`,
    );
  });
});
