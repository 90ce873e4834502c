import fc from 'fast-check';
import { EMPTY_SESSION_META, type SessionMeta } from '../../src/session/session-meta';
import { CHROME_WINDOWS } from './sample-client-meta';

// The random commands of the breakdown invariants: events with metadata sent straight through the
// scripts by a few instances, numbered batches, re-sent batches and checks, as a fast-check
// arbitrary, with the metadata the sessions pick from.

/** Metadata the sessions pick from: more OS and browser values than the small cap admits. */
export const METAS: SessionMeta[] = [
  EMPTY_SESSION_META,
  CHROME_WINDOWS,
  {
    ...EMPTY_SESSION_META,
    deviceType: 'browser',
    osName: 'Windows',
    osVersion: '11',
    clientName: 'Chrome',
    clientVersion: '125',
  },
  {
    ...EMPTY_SESSION_META,
    deviceType: 'browser',
    osName: 'Mac OS',
    clientName: 'Safari',
    clientAddress: '2001:db8:85a3::',
  },
  { ...EMPTY_SESSION_META, deviceType: 'mobile-app', osName: 'iOS', clientName: 'RC Mobile' },
  { ...EMPTY_SESSION_META, deviceType: 'mobile-app', osName: 'Android', clientName: 'RC Mobile' },
  { ...EMPTY_SESSION_META, osName: 'Яндекс {OS}', clientName: '微信' },
  { ...EMPTY_SESSION_META, deviceType: 'bot', osName: 'other', clientName: 'unknown' },
  { ...EMPTY_SESSION_META, clientAddress: '198.51.100.23' },
];
export const META_INSTANCES = 2;

export type MetaCommand =
  | { kind: 'open'; inst: number; sid: string; meta: number }
  | { kind: 'restore'; inst: number; sid: string; user: string; meta: number }
  | { kind: 'login'; inst: number; sid: string; user: string }
  | { kind: 'logout'; inst: number; sid: string }
  | { kind: 'close'; inst: number; sid: string }
  /** Sends the instance's queued events as one numbered batch; `merged`: with the last batch again. */
  | { kind: 'send'; inst: number; merged: boolean }
  /** Sends the instance's last batch again, as after a lost reply: nothing may change. */
  | { kind: 'resend'; inst: number }
  /** Sends everything, then compares the breakdowns with the model. */
  | { kind: 'check' };

const metaInst = fc.integer({ min: 0, max: META_INSTANCES - 1 });
const metaIndex = fc.integer({ min: 0, max: METAS.length - 1 });
const metaSid = fc.constantFrom('s0', 's1', 's2', 's3', 's4', '{s}5');
const metaUser = fc.constantFrom('u0', 'u1', 'u2', 'ユ3');
export const metaCommand: fc.Arbitrary<MetaCommand> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      inst: metaInst,
      sid: metaSid,
      meta: metaIndex,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('restore' as const),
      inst: metaInst,
      sid: metaSid,
      user: fc.oneof(metaUser, fc.constant('')),
      meta: metaIndex,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('login' as const),
      inst: metaInst,
      sid: metaSid,
      user: metaUser,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('logout' as const), inst: metaInst, sid: metaSid }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('close' as const), inst: metaInst, sid: metaSid }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      inst: metaInst,
      merged: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resend' as const), inst: metaInst }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'check' as const }) },
);
