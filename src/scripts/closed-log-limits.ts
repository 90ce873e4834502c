import { DAY_MS } from '../time/zoned-calendar';

/** Default most entries of the closed-session log. */
export const DEFAULT_CLOSED_SESSION_MAX_LEN = 1_000_000;
/** Default days a closed-session log entry is kept. */
export const DEFAULT_CLOSED_SESSION_RETENTION_DAYS = 35;

/** How the scripts that close sessions append to the closed-session log. */
export interface ClosedLogLimits {
  /** Most entries kept, approximately (whole stream nodes are trimmed); 0 logs nothing. */
  maxLen: number;
  /** Age (ms) beyond which entries are trimmed. */
  retentionMs: number;
}

/** The log's limits from monitor-style options: on, 1,000,000 entries, 35 days by default. */
export function closedLogLimitsOf(
  options: {
    closedSessionLog?: boolean;
    closedSessionMaxLen?: number;
    closedSessionRetentionDays?: number;
  } = {},
): ClosedLogLimits {
  const enabled = options.closedSessionLog ?? true;
  return {
    maxLen: enabled ? (options.closedSessionMaxLen ?? DEFAULT_CLOSED_SESSION_MAX_LEN) : 0,
    retentionMs:
      (options.closedSessionRetentionDays ?? DEFAULT_CLOSED_SESSION_RETENTION_DAYS) * DAY_MS,
  };
}
