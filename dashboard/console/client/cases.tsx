/**
 * The case inbox: one status (and optionally one kind) at a time, oldest first, as the API pages it.
 * An open case can be taken into review; a case in review can be closed with an outcome.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  type CaseKind,
  type CaseRecord,
  type CaseStatus,
  caseKinds,
  caseStatuses,
} from '../../../shared/domain/cases/vocabulary.js';
import { call, problem } from './api.js';
import type { Session } from './auth.js';
import { Options, TableHead } from './ui.js';

interface CasePage {
  cases: CaseRecord[];
  nextCursor: string | null;
}

/** One page of the inbox: the filters, and where the previous page ended. */
const inboxPath = (status: CaseStatus, kind: CaseKind | '', cursor?: string) =>
  `v1/cases?${new URLSearchParams({
    status,
    ...(kind ? { kind } : {}),
    limit: '50',
    ...(cursor ? { cursor } : {}),
  }).toString()}`;

const ageInDays = (iso: string) => Math.floor((Date.now() - Date.parse(iso)) / 86_400_000);

export function CasesView({
  session,
  onCustomer,
}: {
  session: Session;
  onCustomer: (pseudonym: string) => void;
}) {
  const [status, setStatus] = useState<CaseStatus>('open');
  const [kind, setKind] = useState<CaseKind | ''>('');
  const [cases, setCases] = useState<CaseRecord[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  // What the last take or close did: kept apart from the list's loading message, which a reload resets.
  const [notice, setNotice] = useState('');
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    setMessage('Loading…');
    call<CasePage>(session, 'GET', inboxPath(status, kind))
      .then((r) => {
        setCases(r.body.cases);
        setNext(r.body.nextCursor);
        setMessage(r.body.cases.length === 0 ? 'No case here.' : '');
      })
      .catch((e: unknown) => {
        setCases([]);
        setMessage(problem(e));
      });
  }, [session, status, kind, revision]);

  const more = async () => {
    if (!next) return;
    try {
      const r = await call<CasePage>(session, 'GET', inboxPath(status, kind, next));
      setCases((c) => [...c, ...r.body.cases]);
      setNext(r.body.nextCursor);
    } catch (e) {
      setMessage(problem(e));
    }
  };

  const move = async (caseId: string, body: unknown, done: string) => {
    try {
      await call(session, 'POST', `v1/cases/${caseId}/transitions`, body);
      setNotice(done);
      setRevision((r) => r + 1);
    } catch (e) {
      setNotice(problem(e));
    }
  };

  return (
    <main>
      <h2>Cases</h2>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <label for="case-status">Status</label>
        <select
          id="case-status"
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as CaseStatus)}
        >
          <Options values={caseStatuses} />
        </select>
        <label for="case-kind-filter">Kind</label>
        <select
          id="case-kind-filter"
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value as CaseKind | '')}
        >
          <option value="">all kinds</option>
          <Options values={caseKinds} />
        </select>
      </form>
      <p role="status">{message}</p>
      <p role="status">{notice}</p>
      {cases.length > 0 && (
        <table class="cases">
          <TableHead
            caption="Cases, oldest opened first"
            columns={['Case', 'Kind', 'Segment', 'Reason', 'Age (days)', 'Owner', 'Action']}
          />
          <tbody>
            {cases.map((c) => (
              <tr key={c.caseId} data-case={c.caseId}>
                <td>
                  <button type="button" class="link" onClick={() => onCustomer(c.subject)}>
                    {c.caseId.slice(5, 13)}
                  </button>
                </td>
                <td>{c.kind}</td>
                <td>{c.segment ?? '–'}</td>
                <td>{c.reasonCode}</td>
                <td>{ageInDays(c.openedAt)}</td>
                <td>{c.assignee ?? '–'}</td>
                <td>
                  {c.status === 'open' && (
                    <button
                      type="button"
                      onClick={() => void move(c.caseId, { to: 'in_review' }, 'Case taken.')}
                    >
                      Take case
                    </button>
                  )}
                  {c.status === 'in_review' && (
                    <CloseCase
                      caseId={c.caseId}
                      onClose={(outcome) => void move(c.caseId, { to: 'closed', outcome }, 'Case closed.')}
                    />
                  )}
                  {c.status === 'closed' &&
                    (c.outcome ? `${c.outcome.result} (${c.outcome.reasonCode})` : 'closed')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" onClick={() => void more()}>
          More cases
        </button>
      )}
    </main>
  );
}

function CloseCase({
  caseId,
  onClose,
}: {
  caseId: string;
  onClose: (outcome: { result: string; reasonCode: string; recordAuditOutcome: boolean }) => void;
}) {
  const [result, setResult] = useState('no_issue');
  const [reasonCode, setReasonCode] = useState('REVIEW_COMPLETED');
  const [record, setRecord] = useState(false);
  return (
    <form
      class="close-case"
      aria-label="Close case"
      onSubmit={(e) => {
        e.preventDefault();
        onClose({ result, reasonCode, recordAuditOutcome: record });
      }}
    >
      <label for={`outcome-${caseId}`}>Outcome</label>
      <select id={`outcome-${caseId}`} value={result} onChange={(e) => setResult(e.currentTarget.value)}>
        <option value="no_issue">no issue</option>
        <option value="issue_found">issue found</option>
      </select>
      <label for={`outcome-reason-${caseId}`}>Outcome reason code</label>
      <input
        id={`outcome-reason-${caseId}`}
        value={reasonCode}
        onInput={(e) => setReasonCode(e.currentTarget.value)}
        pattern="[A-Z][A-Z0-9]*(_[A-Z0-9]+)*"
        required
      />
      <label>
        <input type="checkbox" checked={record} onChange={(e) => setRecord(e.currentTarget.checked)} /> Also
        record as audit outcome
      </label>
      <button type="submit">Close case</button>
    </form>
  );
}
