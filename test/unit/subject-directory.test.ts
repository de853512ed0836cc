import { describe, expect, it } from 'vitest';
import { isPseudonym, Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';
import { resolveSubjects } from '../../shared/domain/privacy/subject-directory.js';
import { InMemorySubjectDirectory } from '../helpers/subject-directory.js';

const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: Buffer.alloc(32, 0x33) });
const now = new Date('2026-11-25T00:00:00Z');

describe('resolveSubjects', () => {
  it('gives a new id a subject with a pseudonym of the usual shape, unrelated to the plain MAC', async () => {
    const directory = new InMemorySubjectDirectory();

    const resolved = await resolveSubjects(['C-1'], pseudonymiser, directory, { create: true, now });

    const pseudonym = resolved.get('C-1')?.pseudonym ?? '';
    expect(isPseudonym(pseudonym)).toBe(true);
    expect(pseudonym.startsWith('k1.')).toBe(true);
    // Neither the id's plain MAC nor the lookup key reveals the pseudonym.
    expect(pseudonym).not.toBe(pseudonymiser.pseudonym('customer', 'C-1'));
    expect(pseudonym).not.toContain(pseudonymiser.subjectLookup('C-1'));
  });

  it('resolves a known id to the same pseudonym, normalised like before', async () => {
    const directory = new InMemorySubjectDirectory();
    const first = await resolveSubjects(['C-1'], pseudonymiser, directory, { create: true, now });

    const again = await resolveSubjects(['  C-1 '], pseudonymiser, directory, { create: true, now });

    expect(again.get('  C-1 ')?.pseudonym).toBe(first.get('C-1')?.pseudonym);
    expect(directory.salts.size).toBe(1);
  });

  it('reads all ids in one batch and creates only the missing ones, in one batch', async () => {
    const directory = new InMemorySubjectDirectory();
    await resolveSubjects(['C-1'], pseudonymiser, directory, { create: true, now });
    directory.calls.length = 0;

    await resolveSubjects(['C-1', 'C-2', 'C-3', 'C-2'], pseudonymiser, directory, { create: true, now });

    expect(directory.calls).toEqual([
      { op: 'saltsOf', count: 3 },
      { op: 'create', count: 2 },
    ]);
  });

  it('without create, an unknown id resolves to nothing and creates nothing', async () => {
    const directory = new InMemorySubjectDirectory();

    const resolved = await resolveSubjects(['C-9'], pseudonymiser, directory, { create: false, now });

    expect(resolved.size).toBe(0);
    expect(directory.salts.size).toBe(0);
  });

  it('creates only the ids the predicate accepts', async () => {
    const directory = new InMemorySubjectDirectory();

    const resolved = await resolveSubjects(['ok', 'typo'], pseudonymiser, directory, {
      create: (id) => id === 'ok',
      now,
    });

    expect([...resolved.keys()]).toEqual(['ok']);
  });

  it('uses the winner salt when a concurrent request created the subject first', async () => {
    const directory = new InMemorySubjectDirectory();
    const winner = directory.pseudonymOf(pseudonymiser, 'C-1');
    // The read happens before the other request's write: this request then tries to create.
    const lateReader = Object.assign(Object.create(directory), {
      saltsOf: async () => new Map<string, string>(),
    }) as InMemorySubjectDirectory;

    const resolved = await resolveSubjects(['C-1'], pseudonymiser, lateReader, { create: true, now });

    expect(resolved.get('C-1')?.pseudonym).toBe(winner);
  });

  it('after the entry is deleted (erasure), the same id becomes a new subject', async () => {
    const directory = new InMemorySubjectDirectory();
    const before = (await resolveSubjects(['C-1'], pseudonymiser, directory, { create: true, now })).get(
      'C-1',
    );

    directory.salts.delete(pseudonymiser.subjectLookup('C-1'));
    const after = (await resolveSubjects(['C-1'], pseudonymiser, directory, { create: true, now })).get(
      'C-1',
    );

    expect(after?.lookup).toBe(before?.lookup);
    expect(after?.pseudonym).not.toBe(before?.pseudonym);
  });
});
