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
