import { z } from 'zod';
import type { Actor } from './ports.js';

/**
 * Who calls, as the authoriser established it. Machines call with an API key: `principalId` is the
 * key's principal. People call with an OIDC access token: they are (issuer, subject), never a display
 * name (staff personal data stays out of the trail), and `principalId` is both in one string
 * (`personId`), so every record that stores "who" as a string names the person unambiguously.
 */
export interface Caller {
  principalId: string;
  role: string;
  issuer?: string;
  subject?: string;
}

/** Who started a job or run, as stored on it (no request id, no clock). */
export type ActorRef = Omit<Caller, 'role'> & { role?: string };

/** A caller acting in one request: stamped on what it changes and on the audit records of it. */
export interface RequestActor extends Caller {
  requestId: string;
  now: Date;
  /** Acting as the checker of a four-eyes request: its audit records name the request and its maker. */
  approval?: ApprovalLink;
}

export interface ApprovalLink {
  approvalId: string;
  /** The maker's principal id. */
  requestedBy: string;
}

/**
 * One string for a person: issuer and subject joined by `#`. An OIDC issuer is a URL without a
 * fragment (OpenID Connect Discovery 1.0, §3), so the first `#` always separates the two, and two
 * issuers' equal subjects never meet. API keys' principal ids hold no `#`.
 */
export function personId(issuer: string, subject: string): string {
  return `${issuer}#${subject}`;
}

/** A person signed in through the identity provider, rather than a machine holding an API key. */
export function isPerson(caller: Caller): caller is Caller & { issuer: string; subject: string } {
  return caller.issuer !== undefined && caller.subject !== undefined;
}

/** The same person or principal: (issuer, subject) for people, the principal id for API keys. */
export function sameActor(a: ActorRef, b: ActorRef): boolean {
  return a.principalId === b.principalId && a.issuer === b.issuer && a.subject === b.subject;
}

/** The actor of an audit record: a person by issuer and subject, a machine by its key's principal. */
export function auditActor(caller: ActorRef & { approval?: ApprovalLink }): Actor {
  const more = {
    ...(caller.role === undefined ? {} : { role: caller.role }),
    ...(caller.approval ? { approval: caller.approval } : {}),
  };
  return caller.issuer !== undefined && caller.subject !== undefined
    ? { type: 'person', id: caller.principalId, issuer: caller.issuer, subject: caller.subject, ...more }
    : { type: 'principal', id: caller.principalId, ...more };
}

/** The caller as stored on a job or run: who, without the request. */
export function actorRef(caller: Caller): ActorRef {
  const { principalId, role, issuer, subject } = caller;
  return {
    principalId,
    role,
    ...(issuer === undefined ? {} : { issuer }),
    ...(subject === undefined ? {} : { subject }),
  };
}

/** `ActorRef` in API answers (jobs, runs). */
export const actorRefSchema = z
  .object({
    principalId: z.string(),
    role: z.string().optional(),
    issuer: z.string().optional(),
    subject: z.string().optional(),
  })
  .strict();
