/** Negative status codes the scripts return, mapped in this one place. */
export const ScriptStatus = {
  OK: 0,
  /** Redis TIME is outside the day the caller proposed: recompute day keys and retry. */
  WRONG_DAY: -1,
  /** The instance hash belongs to another incarnation: this process no longer owns the id. */
  SUPERSEDED: -2,
  /** An incarnation cannot be released while it still has sessions. */
  SESSIONS_OPEN: -3,
  /** The instance hash is gone: a reaper took this incarnation for dead; re-register and resync. */
  REAPED: -4,
  /**
   * A day or month whose exact user count is frozen and whose exact set's life is over takes no
   * more users: without the set they could not be told apart from those already counted.
   */
  PERIOD_CLOSED: -5,
} as const;
