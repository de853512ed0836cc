import { describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../shared/domain/risk-model/default-model.js';
import type { PublishedPointer, StoredModelVersion } from '../../shared/domain/risk-model/store.js';
import { publishedScorerProvider } from '../../shared/domain/scoring/published.js';
import type { StoredScoringModel } from '../../shared/domain/scoring/store.js';
import {
  publishedDocumentProvider,
  publishedVersionProvider,
} from '../../shared/domain/segmentation/published-document.js';
import { publishedModelProvider } from '../../shared/domain/segmentation/published-model.js';

const base = loadDefaultModel();
const version = (n: number): StoredModelVersion => ({
  modelId: base.modelId,
  version: n,
  status: 'published',
  document: { ...base, version: n },
  createdBy: 'test',
  createdAt: '2026-11-25T00:00:00.000Z',
});

/** A store whose published pointer the test moves, counting reads of versions. */
function fakeStore(versions: StoredModelVersion[]) {
  let pointer: PublishedPointer | undefined;
  const gets: number[] = [];
  return {
    gets,
    publish: (n: number | undefined) => {
      pointer = n === undefined ? undefined : { modelId: base.modelId, version: n };
    },
    published: async () => pointer,
    get: async (_modelId: string, n: number) => {
      gets.push(n);
      return versions.find((v) => v.version === n);
    },
  };
}

describe('published model providers', () => {
  it('serve the shipped default until a version is published, then that version, read once per version', async () => {
    // Prepare
    const store = fakeStore([version(2), version(3)]);
    let now = 0;
    const provider = publishedDocumentProvider(store, { ttlMs: 1_000, clock: () => now });

    // Act and Assess: nothing published yet
    expect((await provider()).version).toBe(base.version);

    // Act and Assess: a publication is seen once the ttl has passed, not before
    store.publish(2);
    expect((await provider()).version).toBe(base.version);
    now = 1_000;
    const second = await provider();
    expect(second.version).toBe(2);
    expect(second.segmentFacts('high')?.policy.enhancedDueDiligence).toBe(true);
    expect(second.segmentFacts('no-such-segment')).toBeUndefined();

    // Act and Assess: the same version is not read again; a new one is
    now = 2_000;
    await provider();
    store.publish(3);
    now = 3_000;
    expect((await provider()).version).toBe(3);
    expect(store.gets).toEqual([2, 3]);
  });

  it('read the store at once when asked for a fresh read, within the ttl', async () => {
    // Prepare
    const store = fakeStore([version(2)]);
    let now = 0;
    const provider = publishedDocumentProvider(store, { ttlMs: 60_000, clock: () => now });
    await provider();
    store.publish(2);

    // Act and Assess
    now = 1_000;
    expect((await provider()).version).toBe(base.version);
    expect((await provider({ fresh: true })).version).toBe(2);
  });

  it('name the predictive model a scorer was built from, and read it fresh on request', async () => {
    // Prepare
    let pointer: { modelId: string; version: number } | undefined;
    const stored = { modelId: 'pred', version: 1 } as StoredScoringModel;
    let now = 0;
    const provider = publishedScorerProvider(
      { published: async () => pointer, get: async () => stored },
      { ttlMs: 60_000, clock: () => now },
    );
    expect(await provider()).toBeUndefined();
    pointer = { modelId: 'pred', version: 1 };
    now = 1_000;

    // Act
    const cached = await provider();
    const fresh = await provider({ fresh: true });

    // Assess
    expect(cached).toBeUndefined();
    expect(fresh?.model).toBe('pred@1');
  });

  it('never serve a stored version from the fallback built under the same id and number', async () => {
    // Prepare: the store publishes the default model's own id and version, with another change note.
    const same = version(base.version);
    same.document = { ...same.document, metadata: { ...same.document.metadata, changeNote: 'stored copy' } };
    const store = fakeStore([same]);
    const provider = publishedDocumentProvider(store, { ttlMs: 0 });
    await provider();

    // Act
    store.publish(base.version);
    const served = await provider();

    // Assess
    expect(served.model.metadata.changeNote).toBe('stored copy');
  });

  it('build each version once, and fail loudly when the published version is missing', async () => {
    // Prepare
    const store = fakeStore([version(2)]);
    let builds = 0;
    const provider = publishedVersionProvider(store, { ttlMs: 0 }, (model) => {
      builds += 1;
      return model.version;
    });
    store.publish(2);

    // Act
    await provider();
    await provider();

    // Assess
    expect(builds).toBe(1);
    store.publish(9);
    await expect(provider()).rejects.toThrow(/Published model aml-default@9 is missing/);
  });

  it('agree: the compiled provider and the document provider name the same version and segment facts', async () => {
    // Prepare
    const store = fakeStore([version(2)]);
    store.publish(2);

    // Act
    const compiled = await publishedModelProvider(store, { ttlMs: 0 })();
    const document = await publishedDocumentProvider(store, { ttlMs: 0 })();

    // Assess
    expect(compiled.published.version).toBe(document.version);
    for (const s of base.segments)
      expect(compiled.published.segmentFacts?.(s.name)).toEqual(document.segmentFacts(s.name));
  });
});
