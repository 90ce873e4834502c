/** One check of `sau-cli doctor` (doctor.ts and the checks beside it). */

/** ok: nothing to do; warn: works, but look at it; fail: sau-monitor cannot count correctly. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}
