/** JSON with object keys sorted, so equal content always yields equal bytes (and equal digests). */
export function canonicalJson(value: unknown): string {
  // Plain data (what records, decisions and audit records are) is written directly, without the
  // replacer's sorted copy of every object; anything else keeps JSON.stringify's own semantics.
  try {
    return writePlain(value);
  } catch (error) {
    // A cycle overflows the stack here, as it does in the definition (which it is then left to).
    if (error !== notPlain && !(error instanceof RangeError)) throw error;
    return replacerJson(value);
  }
}

/** The definition: JSON.stringify with a replacer that rebuilds every object with its keys sorted. */
export function replacerJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

const notPlain = Symbol('not plain data');

/**
 * The same bytes as `replacerJson` for strings, numbers, booleans, null, arrays and objects whose
 * prototype is Object.prototype or null; throws `notPlain` on anything else (Dates, toJSON, class
 * instances, bigints, a value that is itself undefined), which then goes the defined way.
 */
function writePlain(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype || 'toJSON' in value) throw notPlain;
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          // As JSON.stringify writes them in arrays.
          out +=
            item === undefined || typeof item === 'function' || typeof item === 'symbol'
              ? 'null'
              : writePlain(item);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) throw notPlain;
      const record = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of sortedKeys(record)) {
        const item = record[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${writePlain(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw notPlain;
  }
}

/**
 * The key order of `Object.fromEntries` over the keys sorted as strings: as in any object, keys that
 * are array indices come first, in numeric order. Only those start with a digit, so the rest is a sort.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record).sort();
  if (!keys.some((k) => k.charCodeAt(0) >= 48 && k.charCodeAt(0) <= 57)) return keys;
  return Object.keys(Object.fromEntries(keys.map((k) => [k, 0])));
}
