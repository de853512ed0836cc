/**
 * Customers: find one by external id (sent in a request body, resolved by the API, never put in a URL),
 * then its page: segment in force, score, the rules that fired, the decision history with the model
 * version of each decision, its open cases, a pin and a new case.
 */
import { useEffect, useState } from 'preact/hooks';
import { type CaseRecord, caseKinds } from '../../../shared/domain/cases/vocabulary.js';
import { pinReasonCodes } from '../../../shared/domain/pin-reasons.js';
import { call, problem } from './api.js';
import type { Session } from './auth.js';
import { Options, TableHead } from './ui.js';

interface Explanation {
  ruleId: string;
  reasonCode: string;
  points: number;
  description: string | null;
}

interface History {
  pseudonym: string;
  current: {
    segment: string;
    modelSegment: string;
    score: number;
    reasonCodes: string[];
    explanation: Explanation[];
    modelVersion: string;
    policyRef: string;
    assignedAt: string;
    pinned: { segment: string; expiresAt: string } | null;
  } | null;
  history: {
    at: string;
    action: string;
    segment: string | null;
    previousSegment: string | null;
    score: number | null;
    reasonCodes: string[];
    modelVersion: string | null;
  }[];
}

export function CustomersView({ session, focus }: { session: Session; focus: string | undefined }) {
  const [externalId, setExternalId] = useState('');
  const [pseudonym, setPseudonym] = useState(focus);
  const [status, setStatus] = useState('');

  const find = async (event: Event) => {
    event.preventDefault();
    setStatus('Looking up…');
    try {
      const found = await call<{ pseudonym: string }>(session, 'POST', 'v1/customers/lookup', { externalId });
      setPseudonym(found.body.pseudonym);
      setStatus('');
    } catch (error) {
      setPseudonym(undefined);
      setStatus(problem(error));
    }
  };

  return (
    <main>
      <h2>Customers</h2>
      <form class="inline" onSubmit={(e) => void find(e)}>
        <label for="external-id">External id</label>
        {/* No name attribute: the id is never submitted as a form field, so never lands in a URL. */}
        <input
          id="external-id"
          value={externalId}
          onInput={(e) => setExternalId(e.currentTarget.value)}
          autocomplete="off"
          spellcheck={false}
          required
        />
        <button type="submit">Find customer</button>
      </form>
      <p role="status">{status}</p>
      {pseudonym && <CustomerPage key={pseudonym} session={session} pseudonym={pseudonym} />}
    </main>
  );
}

function CustomerPage({ session, pseudonym }: { session: Session; pseudonym: string }) {
  const [history, setHistory] = useState<History>();
  const [cases, setCases] = useState<CaseRecord[]>();
  const [error, setError] = useState('');
  const [revision, setRevision] = useState(0);
  const reload = () => setRevision((r) => r + 1);

  useEffect(() => {
    call<History>(session, 'GET', `v1/customers/${pseudonym}/history`)
      .then((r) => setHistory(r.body))
      .catch((e: unknown) => setError(problem(e)));
    // Open and in-review cases about this customer (the inbox pages are filtered here).
    Promise.all(
      (['open', 'in_review'] as const).map((s) =>
        call<{ cases: CaseRecord[] }>(session, 'GET', `v1/cases?status=${s}&limit=500`),
      ),
    )
      .then((pages) => setCases(pages.flatMap((p) => p.body.cases).filter((c) => c.subject === pseudonym)))
      .catch(() => setCases(undefined));
  }, [session, pseudonym, revision]);

  const current = history?.current;
  return (
    <section class="customer" aria-labelledby="customer-heading">
      <h3 id="customer-heading">
        Customer <code>{pseudonym.slice(0, 14)}…</code>
      </h3>
      {/* A pin or a new case is decided asynchronously: the page shows it once reloaded. */}
      <button type="button" onClick={reload}>
        Refresh
      </button>
      {error && <p role="alert">{error}</p>}
      {current === null && <p>No segment decided for this customer yet.</p>}
      {current && (
        <dl class="facts">
          <div>
            <dt>Segment</dt>
            <dd data-testid="segment">{current.segment}</dd>
          </div>
          <div>
            <dt>Model's segment</dt>
            <dd>{current.modelSegment}</dd>
          </div>
          <div>
            <dt>Score</dt>
            <dd>{current.score}</dd>
          </div>
          <div>
            <dt>Model version</dt>
            <dd>{current.modelVersion}</dd>
          </div>
          <div>
            <dt>Policy</dt>
            <dd>{current.policyRef}</dd>
          </div>
          <div>
            <dt>Pinned</dt>
            <dd>
              {current.pinned ? `to ${current.pinned.segment} until ${current.pinned.expiresAt}` : 'no'}
            </dd>
          </div>
        </dl>
      )}
      {current && (
        <>
          <h4>Why: rules that fired</h4>
          {current.explanation.length === 0 ? (
            <p>No rule fired.</p>
          ) : (
            <ul class="rules">
              {current.explanation.map((r) => (
                <li key={r.ruleId}>
                  <code>{r.reasonCode}</code> (+{r.points}) {r.description ?? r.ruleId}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {history && <DecisionHistory entries={history.history} />}
      <h4>Open cases</h4>
      {cases === undefined ? (
        <p>Cases are not available to your role.</p>
      ) : cases.length === 0 ? (
        <p>No open case.</p>
      ) : (
        <ul>
          {cases.map((c) => (
            <li key={c.caseId}>
              {c.kind} ({c.status}), {c.reasonCode}, opened {c.openedAt.slice(0, 10)}
            </li>
          ))}
        </ul>
      )}
      <OpenCase session={session} pseudonym={pseudonym} onDone={reload} />
      {current && (
        <Pin session={session} pseudonym={pseudonym} pinned={current.pinned !== null} onDone={reload} />
      )}
    </section>
  );
}

function DecisionHistory({ entries }: { entries: History['history'] }) {
  return (
    <>
      <h4>Decision history</h4>
      <table>
        <TableHead
          caption="Decisions about this customer, newest first"
          columns={['When', 'What', 'Segment', 'Score', 'Reason codes', 'Model version']}
        />
        <tbody>
          {[...entries].reverse().map((h) => (
            <tr key={`${h.at}-${h.action}`}>
              <td>{h.at.replace('T', ' ').slice(0, 19)}</td>
              <td>{h.action}</td>
              <td>
                {h.previousSegment && h.previousSegment !== h.segment ? `${h.previousSegment} → ` : ''}
                {h.segment ?? '–'}
              </td>
              <td>{h.score ?? '–'}</td>
              <td>{h.reasonCodes.join(', ') || '–'}</td>
              <td>{h.modelVersion ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function OpenCase({
  session,
  pseudonym,
  onDone,
}: {
  session: Session;
  pseudonym: string;
  onDone: () => void;
}) {
  const [kind, setKind] = useState<string>('compliance_review');
  const [reasonCode, setReasonCode] = useState('MANUAL_REVIEW');
  const [status, setStatus] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await call(session, 'POST', 'v1/cases', { kind, subject: pseudonym, reasonCode });
      setStatus('Case opened.');
      onDone();
    } catch (error) {
      setStatus(problem(error));
    }
  };
  return (
    <form class="panel" onSubmit={(e) => void submit(e)} aria-labelledby="open-case-heading">
      <h4 id="open-case-heading">Open a case</h4>
      <label for="case-kind">Kind</label>
      <select id="case-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
        <Options values={caseKinds} />
      </select>
      <label for="case-reason">Reason code</label>
      <input
        id="case-reason"
        value={reasonCode}
        onInput={(e) => setReasonCode(e.currentTarget.value)}
        pattern="[A-Z][A-Z0-9]*(_[A-Z0-9]+)*"
        required
      />
      <button type="submit">Open case</button>
      <p role="status">{status}</p>
    </form>
  );
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function Pin({
  session,
  pseudonym,
  pinned,
  onDone,
}: {
  session: Session;
  pseudonym: string;
  pinned: boolean;
  onDone: () => void;
}) {
  const [segments, setSegments] = useState<string[]>([]);
  const [segment, setSegment] = useState('');
  const [reasonCode, setReasonCode] = useState<string>(pinReasonCodes[0]);
  const [note, setNote] = useState('');
  const [until, setUntil] = useState(inDays(30));
  const [status, setStatus] = useState('');

  useEffect(() => {
    call<{ segments: { name: string }[] }>(session, 'GET', 'v1/segments')
      .then((r) => {
        const names = r.body.segments.map((s) => s.name);
        setSegments(names);
        setSegment(names.at(-1) ?? '');
      })
      .catch(() => setSegments([]));
  }, [session]);

  const pin = async (event: Event) => {
    event.preventDefault();
    try {
      const body = { segment, reasonCode, expiresAt: `${until}T23:59:59Z`, ...(note ? { note } : {}) };
      const answer = await call(session, 'PUT', `v1/customers/${pseudonym}/pin`, body);
      setStatus(
        answer.status === 202
          ? 'The pin waits for a second compliance officer to approve it.'
          : 'Pinned: the segment is being decided again.',
      );
      onDone();
    } catch (error) {
      setStatus(problem(error));
    }
  };
  const unpin = async () => {
    try {
      await call(session, 'DELETE', `v1/customers/${pseudonym}/pin`);
      setStatus('Pin lifted: the model decides again.');
      onDone();
    } catch (error) {
      setStatus(problem(error));
    }
  };

  return (
    <form class="panel" onSubmit={(e) => void pin(e)} aria-labelledby="pin-heading">
      <h4 id="pin-heading">Pin the segment</h4>
      <label for="pin-segment">Segment</label>
      <select id="pin-segment" value={segment} onChange={(e) => setSegment(e.currentTarget.value)}>
        <Options values={segments} />
      </select>
      <label for="pin-reason">Reason code</label>
      <select id="pin-reason" value={reasonCode} onChange={(e) => setReasonCode(e.currentTarget.value)}>
        <Options values={pinReasonCodes} />
      </select>
      <label for="pin-until">Until</label>
      <input
        id="pin-until"
        type="date"
        value={until}
        onInput={(e) => setUntil(e.currentTarget.value)}
        required
      />
      <label for="pin-note">Note (required for OTHER; sealed, no personal data please)</label>
      <textarea id="pin-note" value={note} maxLength={1000} onInput={(e) => setNote(e.currentTarget.value)} />
      <div class="actions">
        <button type="submit">Pin</button>
        {pinned && (
          <button type="button" onClick={() => void unpin()}>
            Lift pin
          </button>
        )}
      </div>
      <p role="status">{status}</p>
    </form>
  );
}
