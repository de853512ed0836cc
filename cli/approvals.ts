/**
 * Four-eyes requests from the command line (docs/auth.md, "Four-eyes approval"): the inbox, and a
 * decision on one request.
 */
import { type ApiClient, exitCodes } from './client.js';
import { type Outcome, table } from './commands.js';

interface ApprovalView {
  approvalId: string;
  action: string;
  target: Record<string, string | number>;
  status: string;
  requestedBy: { principalId: string };
  requestedAt: string;
  expiresAt: string;
  links: { decide: string };
}

/** Four-eyes requests waiting for a decision that the caller's role makes (`GET /v1/approvals`), the soonest to expire first. */
export async function pendingApprovals(client: ApiClient): Promise<Outcome> {
  const { body } = await client.ok('GET', '/v1/approvals?limit=100');
  const approvals = body.approvals as ApprovalView[];
  return {
    json: body,
    text:
      approvals.length === 0
        ? ['No request waits for your decision']
        : table([
            ['request', 'action', 'target', 'asked by', 'expires'],
            ...approvals.map((a) => [
              a.approvalId,
              a.action,
              Object.values(a.target).join(' '),
              a.requestedBy.principalId,
              a.expiresAt,
            ]),
          ]),
    exitCode: exitCodes.ok,
  };
}

/**
 * Approves, rejects or withdraws a request, with a reason code. Approving needs a signed-in person
 * (`riskloop login`): riskloop refuses API keys and the person who asked.
 */
export async function decideRequest(
  client: ApiClient,
  decision: 'approve' | 'reject' | 'withdraw',
  approvalId: string,
  reasonCode: string,
): Promise<Outcome> {
  const { body: request } = await client.ok('GET', `/v1/approvals/${approvalId}`);
  const { body } = await client.ok('POST', (request as ApprovalView).links.decide, { decision, reasonCode });
  const approval = body.approval as ApprovalView;
  return {
    json: body,
    text: [`Request ${approval.approvalId} (${approval.action}): ${approval.status}`],
    exitCode: exitCodes.ok,
  };
}
