import type { Keys } from '../../keys';
import type { ScriptRunner } from '../script-runner';

/** Where a page of one incarnation's sessions continues: after this score and session id. */
export interface SessionPosition {
  score: string;
  sessionId: string;
}

export interface ReadSessionsInput {
  instanceId: string;
  incarnation: string;
  /** Continue after this session; undefined starts at the first. */
  after: SessionPosition | undefined;
  /** Most members the call looks at. */
  examine: number;
  /** Most sessions it returns. */
  limit: number;
  /** Only this user's sessions; `''` for all. */
  userId: string;
}

export interface ReadSessionsResult {
  /** Where the next call continues; undefined when the incarnation has no more sessions. */
  next: SessionPosition | undefined;
  examined: number;
  /** Raw members and scores with the content of their client profile (`''` when none). */
  sessions: Array<{ member: string; score: number; profile: string }>;
}

export async function readSessions(
  runner: ScriptRunner,
  keys: Keys,
  input: ReadSessionsInput,
): Promise<ReadSessionsResult> {
  const reply = (await runner.run(
    'readSessions',
    [keys.instanceSessions(input.instanceId, input.incarnation), keys.live()],
    [
      input.after?.score ?? '',
      input.after?.sessionId ?? '',
      input.examine,
      input.limit,
      input.userId,
    ],
  )) as string[];
  const sessions: ReadSessionsResult['sessions'] = [];
  for (let i = 3; i < reply.length; i += 3) {
    sessions.push({ member: reply[i], score: Number(reply[i + 1]), profile: reply[i + 2] });
  }
  const next = reply[0] === '' ? undefined : { score: reply[0], sessionId: reply[1] };
  return { next, examined: Number(reply[2]), sessions };
}
