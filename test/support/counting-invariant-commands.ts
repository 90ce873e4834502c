import fc from 'fast-check';
import type { SessionMonitor } from '../../src/monitor/session-monitor';
import type { SessionInfo } from '../../src/monitor/session-input';

// The random commands of the counting invariants: what several monitor instances of one namespace
// are told to do (open, login, logout, close, bad input, replays, flushes, lost replies), as a
// fast-check arbitrary.

export const INSTANCES = 3;
const SESSION_IDS = ['s0', 's1', 's2', 's3', '{s}:4', 'ß5'];
const USER_IDS = ['u0', 'u1', 'u2', 'u3', '{u}:4', 'ユ5'];

export type Command =
  | { kind: 'open'; inst: number; sid: string }
  | { kind: 'login'; inst: number; sid: string; user: string }
  | { kind: 'logout'; inst: number; sid: string }
  | { kind: 'close'; inst: number; sid: string }
  | { kind: 'bad'; inst: number; bad: number }
  /** Sends one of the earlier commands again. */
  | { kind: 'replay'; index: number }
  /** Waits until every instance's queue is in Redis, then compares live numbers with the model. */
  | { kind: 'flush' }
  /** The next applyBatch reply is lost after the script ran, so the monitor sends the batch again. */
  | { kind: 'loseReply' };

/** Input the monitor must refuse, with the code it must report. */
export const BAD_INPUT: { code: string; run: (m: SessionMonitor) => void }[] = [
  { code: 'INVALID_SESSION_ID', run: (m) => m.open({ id: '' }) },
  { code: 'INVALID_SESSION_ID', run: (m) => m.open({ id: 'x'.repeat(257) }) },
  { code: 'INVALID_SESSION_ID', run: (m) => m.open({ id: 42 } as unknown as SessionInfo) },
  { code: 'INVALID_SESSION_ID', run: (m) => m.login('', 'u0') },
  { code: 'INVALID_USER_ID', run: (m) => m.login('s0', '') },
  { code: 'INVALID_USER_ID', run: (m) => m.login('s1', 'u'.repeat(257)) },
  { code: 'INVALID_USER_ID', run: (m) => m.login('s2', 'nul\0user') },
];

const inst = fc.integer({ min: 0, max: INSTANCES - 1 });
const sid = fc.constantFrom(...SESSION_IDS);
const user = fc.constantFrom(...USER_IDS);
export const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('open' as const), inst, sid }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('login' as const), inst, sid, user }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('logout' as const), inst, sid }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('close' as const), inst, sid }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bad' as const),
      inst,
      bad: fc.integer({ min: 0, max: BAD_INPUT.length - 1 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('replay' as const), index: fc.nat() }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'loseReply' as const }) },
);

export type SessionCommand = Extract<Command, { kind: 'open' | 'login' | 'logout' | 'close' }>;
