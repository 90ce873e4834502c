import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';

export interface ReadSessionsInput {
  instanceId: string;
  incarnation: string;
  /** Session id to continue after; `''` starts at the first session. */
  after: string;
  /** Most members the call looks at. */
  examine: number;
  /** Most sessions it returns. */
  limit: number;
  /** Only this user's sessions; `''` for all. */
  userId: string;
}

export interface ReadSessionsResult {
  /** Session id to continue after; `''` when the incarnation has no more sessions. */
  next: string;
  examined: number;
  /** Raw members with the content of their client profile (`''` when none). */
  sessions: Array<{ member: string; profile: string }>;
}

export async function readSessions(
  runner: ScriptRunner,
  keys: Keys,
  input: ReadSessionsInput,
): Promise<ReadSessionsResult> {
  const reply = (await runner.run(
    'readSessions',
    [keys.instanceSessions(input.instanceId, input.incarnation), keys.sessionProfiles()],
    [input.after, input.examine, input.limit, input.userId],
  )) as [string, number, ...string[]];
  const sessions: ReadSessionsResult['sessions'] = [];
  for (let i = 2; i < reply.length; i += 2) {
    sessions.push({ member: String(reply[i]), profile: String(reply[i + 1]) });
  }
  return { next: String(reply[0]), examined: Number(reply[1]), sessions };
}
