import { performance } from 'node:perf_hooks';

/** How often the closed-session log is trimmed by age. */
const TRIM_INTERVAL_MS = 60_000;
/** The keys of applyBatch whose expiry is set once a writer and day (see its ARGV[12]). */
const EXPIRING_KEYS = new Set([4, 5, 6, 7, 8, 9, 10, 11]);
const UNSET_EXPIRIES = Array.from({ length: 12 }, (_, i) =>
  EXPIRING_KEYS.has(i + 1) ? '1' : '0',
).join('');

/**
 * What a writer asks of applyBatch besides its events, so that it is not done at every batch:
 * each day key's expiry, until the script reports it set (once a writer and day), and the age trim
 * of the closed-session log (about once a minute).
 */
export class KeyUpkeep {
  private expiriesDate = '';
  private expiriesUnset = UNSET_EXPIRIES;
  private lastTrim = -Infinity;

  /** One character per fixed key of applyBatch, '1' where its expiry is still to be set. */
  expiryFlags(date: string): string {
    if (date !== this.expiriesDate) {
      this.expiriesDate = date;
      this.expiriesUnset = UNSET_EXPIRIES;
    }
    return this.expiriesUnset;
  }

  /** The script reports these expiries set (same form as expiryFlags). */
  expiriesSet(set: string): void {
    let unset = '';
    for (let i = 0; i < this.expiriesUnset.length; i++) {
      unset += set[i] === '1' ? '0' : this.expiriesUnset[i];
    }
    this.expiriesUnset = unset;
  }

  /** Redis may have lost what it set (a reconnection): set every expiry again. */
  forgetExpiries(): void {
    this.expiriesUnset = UNSET_EXPIRIES;
  }

  /** Whether this call trims the closed-session log by age. */
  trimDue(): boolean {
    const now = performance.now();
    if (now - this.lastTrim < TRIM_INTERVAL_MS) return false;
    this.lastTrim = now;
    return true;
  }
}
