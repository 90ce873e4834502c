/** Exit codes of `sau-cli`, stable so scripts and monitoring can branch on them. */
export const ExitCode = {
  OK: 0,
  /** Anything not covered below: a bug, a script error, an unexpected reply. */
  FAILURE: 1,
  /** The command line or one of its values is wrong (unknown option, bad window, date, zone…). */
  USAGE: 2,
  /** Redis cannot be reached or refuses us (connection refused, timeout, wrong password). */
  REDIS_UNAVAILABLE: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
