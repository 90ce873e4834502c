/** Status codes the scripts return (negative: refused), mapped in this one place. */
export const ScriptStatus = {
  OK: 0,
  /** The batch was applied before (its reply was lost): nothing changed. */
  ALREADY_APPLIED: 1,
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
  /** Members were not as the writer expected (drift): nothing changed; it repairs its view. */
  MEMBERS_DIFFER: -6,
  /** Only the first events of the batch were applied before (a lost reply, then a longer batch). */
  PARTLY_APPLIED: -7,
  /** A member of the chunk to close is gone (another reaper closed it): nothing changed; read again. */
  STALE_CHUNK: -8,
  /**
   * A batch sent before the one ahead of it answered, built on what that one would leave: it did
   * not apply, so neither did this one (nothing changed); it is built again from what Redis holds.
   */
  PREVIOUS_NOT_APPLIED: -9,
  /**
   * A chunk to close was summed for another closing instant than Redis gives it (Redis TIME is
   * earlier: a clock behind after a failover): nothing changed; sum it again for the instant given.
   */
  INSTANT_MOVED: -10,
} as const;
