/**
 * The few MongoDB Extended JSON forms `mongoexport` writes for the fields an import reads, in both
 * canonical mode (`{"$date": {"$numberLong": "1700000000000"}}`) and relaxed mode
 * (`{"$date": "2023-11-14T22:13:20.000Z"}`), plus legacy bare numbers and ISO strings.
 */

/** Epoch ms of an Extended JSON date (or a plain ISO string or number); undefined if it is none. */
export function decodeDate(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value) && '$date' in value) {
    return decodeDate((value as { $date: unknown }).$date);
  }
  if (typeof value === 'string') {
    // Only ISO-8601 dates: Date.parse would also take "3" or "March 7", which no export writes.
    if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(value)) return undefined;
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const ms = decodeNumber(value);
  return ms !== undefined && Number.isSafeInteger(Math.trunc(ms)) ? Math.trunc(ms) : undefined;
}

/** A number, `{"$numberLong": "…"}`, `{"$numberInt": "…"}` or `{"$numberDouble": "…"}`. */
export function decodeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const wrapped = value as Record<string, unknown>;
  for (const key of ['$numberLong', '$numberInt', '$numberDouble']) {
    const text = wrapped[key];
    if (typeof text === 'string' && text.trim() !== '') {
      const n = Number(text);
      return Number.isFinite(n) ? n : undefined;
    }
  }
  return undefined;
}

/** A string id: a plain string, `{"$oid": "…"}`, or a number in any of its forms; else undefined. */
export function decodeId(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && '$oid' in value) {
    return decodeId((value as { $oid: unknown }).$oid);
  }
  const n = decodeNumber(value);
  return n === undefined ? undefined : String(n);
}
