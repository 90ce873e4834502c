/** What sessions are broken down by: device type, operating system, browser or app. */
export type BreakdownDimension = 'device' | 'os' | 'browser';

/** Every dimension, in the order the scripts take their keys. */
export const BREAKDOWN_DIMENSIONS: readonly BreakdownDimension[] = Object.freeze([
  'device',
  'os',
  'browser',
]);

/** Distinct values a breakdown hash counts (a day, or live) before the rest go to `other`. */
export const DEFAULT_BREAKDOWN_CAP = 50;

/**
 * Highest cap accepted: a day hash holds one field per value, and past ~120 fields Redis stores it
 * as a full hash table instead of a compact listpack, ten times the memory for 400 days of them.
 */
export const MAX_BREAKDOWN_CAP = 120;

/** `cap`, or the default when undefined; throws a RangeError for anything but 1..MAX_BREAKDOWN_CAP. */
export function breakdownCapOf(cap: number | undefined): number {
  const value = cap ?? DEFAULT_BREAKDOWN_CAP;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_BREAKDOWN_CAP) {
    throw new RangeError(
      `breakdownCap must be an integer from 1 to ${MAX_BREAKDOWN_CAP}, got ${value}`,
    );
  }
  return value;
}

/** Which of a profile content's five US-separated fields holds each dimension's value. */
const CONTENT_FIELD_OF_DIMENSION = [0, 1, 3];
const US = '\x1f';

/**
 * The hash fields a client profile's sessions count under (lua/includes/breakdownFields.lua):
 * `d:`, `o:`, `b:` and the logged-in `D:`, `O:`, `B:` of its three values, `''` as `unknown`.
 * Built by the writer so the script makes no strings of its own.
 */
export function breakdownFieldsOf(content: string): string[] {
  const parts = content.split(US);
  const values = CONTENT_FIELD_OF_DIMENSION.map((i) => parts[i] || 'unknown');
  return [
    `d:${values[0]}`,
    `o:${values[1]}`,
    `b:${values[2]}`,
    `D:${values[0]}`,
    `O:${values[1]}`,
    `B:${values[2]}`,
  ];
}
