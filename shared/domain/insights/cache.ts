/**
 * A value loaded at most once per `ttlMs` per container. The dashboard asks several routes at once
 * and each needs the same population-wide reads (full scans): the first call loads, concurrent
 * calls share its promise, later calls within the TTL reuse the result. A failed load is not kept.
 */
export function ttlCached<T>(
  load: () => Promise<T>,
  ttlMs: number,
  clock: () => number = Date.now,
): () => Promise<T> {
  let entry: { value: Promise<T>; loadedAt: number } | undefined;
  return () => {
    const now = clock();
    if (entry && now - entry.loadedAt < ttlMs) return entry.value;
    const value = load();
    const mine = { value, loadedAt: now };
    entry = mine;
    value.catch(() => {
      if (entry === mine) entry = undefined;
    });
    return value;
  };
}
