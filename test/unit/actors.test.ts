import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { actorRef, auditActor, isPerson, personId, sameActor } from '../../shared/domain/actors.js';
import { callerOf } from '../../shared/http/middleware.js';

const issuer = 'https://login.example.com/realms/bank';
const person = { principalId: personId(issuer, 'u-1'), role: 'compliance', issuer, subject: 'u-1' };
const machine = { principalId: 'p-ingest', role: 'ingest' };

const eventWith = (authorizer: Record<string, string> | null) =>
  ({ requestContext: { requestId: 'r', authorizer } }) as unknown as APIGatewayProxyEvent;

describe('named actors', () => {
  it('names a person by issuer and subject in audit records, and a machine by its key principal', () => {
    expect(auditActor(person)).toEqual({
      type: 'person',
      id: `${issuer}#u-1`,
      issuer,
      subject: 'u-1',
      role: 'compliance',
    });
    expect(auditActor(machine)).toEqual({ type: 'principal', id: 'p-ingest', role: 'ingest' });
    expect(isPerson(person)).toBe(true);
    expect(isPerson(machine)).toBe(false);
  });

  it('tells people apart by (issuer, subject): the same subject at another issuer is someone else', () => {
    const elsewhere = {
      ...person,
      issuer: 'https://other.example.com',
      principalId: personId('https://other.example.com', 'u-1'),
    };
    expect(sameActor(person, { ...person, role: 'admin' })).toBe(true);
    expect(sameActor(person, elsewhere)).toBe(false);
    expect(sameActor(person, { ...person, subject: 'u-2', principalId: personId(issuer, 'u-2') })).toBe(
      false,
    );
    // A machine whose principal id happens to spell a person's is still not that person.
    expect(sameActor(person, { principalId: person.principalId, role: 'admin' })).toBe(false);
  });

  it('keeps who started a job without the request, and with the person where there is one', () => {
    expect(actorRef(person)).toEqual({
      principalId: person.principalId,
      role: 'compliance',
      issuer,
      subject: 'u-1',
    });
    expect(actorRef(machine)).toEqual(machine);
    expect(auditActor({ principalId: 'schedule' })).toEqual({ type: 'principal', id: 'schedule' });
  });

  it('reads the caller from the authoriser context, people with issuer and subject', () => {
    expect(callerOf(eventWith({ ...person }))).toEqual(person);
    expect(callerOf(eventWith({ ...machine }))).toEqual(machine);
    // Half a person (an issuer without a subject) is not a person.
    expect(callerOf(eventWith({ ...machine, issuer }))).toEqual(machine);
    expect(() => callerOf(eventWith(null))).toThrow();
    expect(() => callerOf(eventWith({ role: 'admin' }))).toThrow();
  });
});
