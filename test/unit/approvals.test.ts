/**
 * The maker–checker rules on their own (shared/domain/approvals), with an in-memory store of requests:
 * the policy's settings, expiry, a transient failure retried by the same checker, a refused action
 * ending the request. test/integration/four-eyes.test.ts runs the flows through the API and DynamoDB.
 */
import { describe, expect, it } from 'vitest';
import type { RequestActor } from '../../shared/domain/actors.js';
import {
  type ApprovalRequest,
  type ApprovalStatus,
  type ApprovalStore,
  decideApproval,
  isDeferred,
  withFourEyes,
} from '../../shared/domain/approvals/approval.js';
import { readFourEyesPolicy } from '../../shared/domain/approvals/policy.js';
import type { AuditEvent } from '../../shared/domain/ports.js';
import { AppError, ConflictError } from '../../shared/errors.js';

class MemoryApprovals implements ApprovalStore {
  readonly items = new Map<string, ApprovalRequest>();
  readonly audit: AuditEvent[] = [];
  async create(request: ApprovalRequest, audit: AuditEvent) {
    const existing = this.items.get(request.approvalId);
    if (existing && (existing.status === 'pending' || existing.status === 'approved')) return false;
    this.items.set(request.approvalId, request);
    this.audit.push(audit);
    return true;
  }
  async get(id: string) {
    return this.items.get(id);
  }
  async update(request: ApprovalRequest, from: ApprovalStatus, audit: AuditEvent) {
    if (this.items.get(request.approvalId)?.status !== from) return false;
    this.items.set(request.approvalId, request);
    this.audit.push(audit);
    return true;
  }
  async pending() {
    return { items: [...this.items.values()].filter((r) => r.status === 'pending') };
  }
}

const issuer = 'https://idp.example.com';
const person = (subject: string, at = new Date('2026-12-08T10:00:00Z')): RequestActor => ({
  principalId: `${issuer}#${subject}`,
  role: 'admin',
  issuer,
  subject,
  requestId: `req-${subject}`,
  now: at,
});
const machine: RequestActor = {
  principalId: 'p-admin-key',
  role: 'admin',
  requestId: 'req-key',
  now: new Date('2026-12-08T10:00:00Z'),
};
const policy = readFourEyesPolicy({ FOUR_EYES: 'risk-model.publish', APPROVAL_TTL_HOURS: '2' });
const approvable = {
  action: 'risk-model.publish' as const,
  target: { modelId: 'm', version: 2 },
  content: { doc: 1 },
};

async function requested(store: MemoryApprovals, maker = person('maker')) {
  const result = await withFourEyes({ policy, approvals: store }, approvable, maker, async () => 'done');
  if (!isDeferred(result)) throw new Error('expected a request');
  return result.approval;
}

describe('the four-eyes policy', () => {
  it('reads all, none or a list of actions, and refuses anything else naming the setting', () => {
    expect(readFourEyesPolicy({}).required.size).toBe(6);
    expect(readFourEyesPolicy({ FOUR_EYES: 'none' }).required.size).toBe(0);
    expect([...readFourEyesPolicy({ FOUR_EYES: 'segment.pin-lower, legal-hold.lift' }).required]).toEqual([
      'segment.pin-lower',
      'legal-hold.lift',
    ]);
    expect(() => readFourEyesPolicy({ FOUR_EYES: 'publish' })).toThrow(/FOUR_EYES/);
    expect(() => readFourEyesPolicy({ FOUR_EYES: '' })).toThrow(/FOUR_EYES/);
    expect(() => readFourEyesPolicy({ APPROVAL_TTL_HOURS: '0' })).toThrow(/APPROVAL_TTL_HOURS/);
    expect(() => readFourEyesPolicy({ APPROVAL_TTL_HOURS: '1.5' })).toThrow(/APPROVAL_TTL_HOURS/);
  });

  it('carries an action out at once where the policy does not ask for a second person', async () => {
    const store = new MemoryApprovals();
    const result = await withFourEyes(
      { policy, approvals: store },
      { ...approvable, action: 'risk-model.retire' },
      machine,
      async () => 'done',
    );
    expect(result).toBe('done');
    expect(store.items.size).toBe(0);
  });
});

describe('deciding on a request', () => {
  const deps = (store: MemoryApprovals, execute: () => Promise<string>) => ({
    approvals: store,
    area: 'risk-models' as const,
    contentOf: async () => approvable.content,
    execute,
  });

  it('refuses a request past its expiry, and records it expired', async () => {
    const store = new MemoryApprovals();
    const approval = await requested(store);
    const late = person('checker', new Date('2026-12-08T12:00:01Z'));
    await expect(
      decideApproval(
        approval.approvalId,
        { decision: 'approve', reasonCode: 'OK' },
        deps(store, async () => 'x'),
        late,
      ),
    ).rejects.toMatchObject({ code: 'APPROVAL_EXPIRED' });
    expect(store.items.get(approval.approvalId)?.status).toBe('expired');
    // The maker may ask again: a new request on the same id.
    const again = await requested(store, person('maker', new Date('2026-12-08T12:00:02Z')));
    expect(again.status).toBe('pending');
  });

  it('lets the same checker retry an approval whose action failed transiently; the action runs once it works', async () => {
    const store = new MemoryApprovals();
    const approval = await requested(store);
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls === 1) throw new Error('throttled');
      return 'published';
    };
    const checker = person('checker');
    await expect(
      decideApproval(
        approval.approvalId,
        { decision: 'approve', reasonCode: 'OK' },
        deps(store, flaky),
        checker,
      ),
    ).rejects.toThrow('throttled');
    expect(store.items.get(approval.approvalId)).toMatchObject({ status: 'approved', effected: false });
    // Another person cannot take over a half-done approval.
    await expect(
      decideApproval(
        approval.approvalId,
        { decision: 'approve', reasonCode: 'OK' },
        deps(store, flaky),
        person('third'),
      ),
    ).rejects.toMatchObject({ code: 'APPROVAL_DECIDED' });
    const retried = await decideApproval(
      approval.approvalId,
      { decision: 'approve', reasonCode: 'OK' },
      deps(store, flaky),
      checker,
    );
    expect(retried.result).toBe('published');
    expect(retried.approval).toMatchObject({ status: 'approved', effected: true });
    expect(calls).toBe(2);
  });

  it('ends a request whose approved action is refused, with the refusal code', async () => {
    const store = new MemoryApprovals();
    const approval = await requested(store);
    const refused = async (): Promise<string> => {
      throw new ConflictError('MODEL_NOT_DRAFT', 'no');
    };
    await expect(
      decideApproval(
        approval.approvalId,
        { decision: 'approve', reasonCode: 'OK' },
        deps(store, refused),
        person('checker'),
      ),
    ).rejects.toBeInstanceOf(AppError);
    expect(store.items.get(approval.approvalId)).toMatchObject({
      status: 'failed',
      failure: 'MODEL_NOT_DRAFT',
    });
    expect(store.audit.map((a) => a.action)).toEqual([
      'approval.requested',
      'approval.approved',
      'approval.failed',
    ]);
  });

  it('hands the checker to the action with the request and its maker, for the audit record', async () => {
    const store = new MemoryApprovals();
    const approval = await requested(store);
    let seen: RequestActor | undefined;
    await decideApproval(
      approval.approvalId,
      { decision: 'approve', reasonCode: 'OK' },
      {
        ...deps(store, async () => 'x'),
        execute: async (_r, actor) => {
          seen = actor;
          return 'x';
        },
      },
      person('checker'),
    );
    expect(seen?.approval).toEqual({ approvalId: approval.approvalId, requestedBy: `${issuer}#maker` });
    expect(seen?.subject).toBe('checker');
  });

  it('finds a request stale when its target is gone (an erased customer, say)', async () => {
    const store = new MemoryApprovals();
    const approval = await requested(store);
    await expect(
      decideApproval(
        approval.approvalId,
        { decision: 'approve', reasonCode: 'OK' },
        { ...deps(store, async () => 'x'), contentOf: async () => undefined },
        person('checker'),
      ),
    ).rejects.toMatchObject({ code: 'APPROVAL_STALE' });
    expect(store.items.get(approval.approvalId)?.status).toBe('stale');
  });

  it('refuses the maker, a machine, and a request of another area', async () => {
    const store = new MemoryApprovals();
    const approval = await requested(store, machine);
    const body = { decision: 'approve', reasonCode: 'OK' };
    await expect(
      decideApproval(
        approval.approvalId,
        body,
        deps(store, async () => 'x'),
        { ...machine, principalId: 'p-other-key' },
      ),
    ).rejects.toMatchObject({ code: 'PERSON_REQUIRED' });
    await expect(
      decideApproval(
        approval.approvalId,
        body,
        { ...deps(store, async () => 'x'), area: 'pins' },
        person('checker'),
      ),
    ).rejects.toMatchObject({ status: 404 });
    // The machine that asked may withdraw; a person who did not ask may not.
    await expect(
      decideApproval(
        approval.approvalId,
        { decision: 'withdraw', reasonCode: 'OOPS' },
        deps(store, async () => 'x'),
        person('checker'),
      ),
    ).rejects.toMatchObject({ code: 'NOT_THE_MAKER' });
    const withdrawn = await decideApproval(
      approval.approvalId,
      { decision: 'withdraw', reasonCode: 'OOPS' },
      deps(store, async () => 'x'),
      machine,
    );
    expect(withdrawn.approval.status).toBe('withdrawn');
  });
});
