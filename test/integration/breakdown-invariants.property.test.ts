import fc from 'fast-check';
import { Redis } from 'ioredis';
import { useRedis } from '../support/use-redis';
import { uniqueNamespace } from '../support/redis-server';
import { Keys } from '../../src/keys';
import { ScriptRunner } from '../../src/scripts/script-runner';
import { ScriptStatus } from '../../src/scripts/script-status';
import { writeEvents } from '../support/event-writer';
import { closeSessions } from '../../src/scripts/commands/close-sessions';
import { registerInstance } from '../../src/scripts/commands/register-instance';
import { BREAKDOWN_DIMENSIONS } from '../../src/session/breakdown-dimensions';
import { encodeRestore, encodeSessionMeta } from '../../src/session/session-meta';
import { ZonedCalendar, type ZonedDay } from '../../src/time/zoned-calendar';
import { expiryOf } from '../../src/time/retention';
import { METAS, META_INSTANCES, metaCommand } from '../support/breakdown-invariant-commands';
import { MetaModel } from '../support/breakdown-invariant-model';
import { expectMetaBreakdowns } from '../support/breakdown-invariant-expectations';
import { dayBreakdownRows, expectNoLiveBreakdowns } from '../support/breakdown-checks';

/**
 * The breakdowns by device, OS and browser under random use, straight through the scripts: a few
 * instances send random open/restore/login/logout/close events with random metadata, caps and
 * re-sent batches, and every live and day breakdown must agree with a plain in-memory model.
 * counting-invariants.property.test.ts follows the same invariants through the monitor.
 */

describe('breakdown invariants under random events with metadata', () => {
  const redis = useRedis();
  const calendar = new ZonedCalendar('UTC');

  it('keeps live breakdowns equal to the live sessions, never negative, and empty once all close', async () => {
    const client = new Redis(redis.server().url);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(metaCommand, { minLength: 1, maxLength: 80 }),
          fc.constantFrom(2, 50),
          async (commands, cap) => {
            const keys = new Keys(uniqueNamespace('prop-meta'));
            const runner = new ScriptRunner(client);
            const model = new MetaModel();
            const instanceId = (i: number) => `node-${i}`;
            for (let i = 0; i < META_INSTANCES; i++) {
              await registerInstance(runner, keys, {
                instanceId: instanceId(i),
                incarnation: 'inc',
                leaseMs: 120_000,
                host: 'test',
                pid: i,
              });
            }
            let day: ZonedDay = calendar.dayAt(Date.now());
            const pending = Array.from({ length: META_INSTANCES }, () => [] as string[]);
            const nextSeq = Array.from({ length: META_INSTANCES }, () => 0);
            const last = Array.from(
              { length: META_INSTANCES },
              () => undefined as { firstSeq: number; events: string[] } | undefined,
            );
            const call = async (inst: number, events: string[], firstSeq: number) => {
              for (;;) {
                const result = await writeEvents(runner, keys, {
                  instanceId: instanceId(inst),
                  incarnation: 'inc',
                  day,
                  expiry: expiryOf(day, 400),
                  exactThreshold: 1000,
                  breakdownCap: cap,
                  events,
                  firstSeq,
                });
                if (result.status !== ScriptStatus.WRONG_DAY) return result;
                day = calendar.dayAt(result.nowMs);
              }
            };
            const send = async (inst: number, merged: boolean) => {
              const previous = last[inst];
              if (pending[inst].length === 0) return;
              const batch = { firstSeq: nextSeq[inst], events: pending[inst] };
              nextSeq[inst] += batch.events.length / 3;
              pending[inst] = [];
              if (merged && previous) {
                // A lost reply: the old batch goes again with the new events behind it.
                await call(inst, [...previous.events, ...batch.events], previous.firstSeq);
              } else {
                await call(inst, batch.events, batch.firstSeq);
              }
              last[inst] = batch;
            };
            const sendAll = async () => {
              for (let i = 0; i < META_INSTANCES; i++) await send(i, false);
            };
            const check = async () => {
              await sendAll();
              await expectMetaBreakdowns(client, keys, model, cap, day.date);
            };

            for (const cmd of commands) {
              switch (cmd.kind) {
                case 'open':
                  pending[cmd.inst].push('o', cmd.sid, encodeSessionMeta(METAS[cmd.meta]));
                  model.apply(cmd);
                  break;
                case 'restore':
                  pending[cmd.inst].push(
                    'r',
                    cmd.sid,
                    encodeRestore(cmd.user, encodeSessionMeta(METAS[cmd.meta])),
                  );
                  model.apply(cmd);
                  break;
                case 'login':
                  pending[cmd.inst].push('i', cmd.sid, cmd.user);
                  model.apply(cmd);
                  break;
                case 'logout':
                  pending[cmd.inst].push('u', cmd.sid, '');
                  model.apply(cmd);
                  break;
                case 'close':
                  pending[cmd.inst].push('c', cmd.sid, '');
                  model.apply(cmd);
                  break;
                case 'send':
                  await send(cmd.inst, cmd.merged);
                  break;
                case 'resend': {
                  const previous = last[cmd.inst];
                  if (previous) {
                    const again = await call(cmd.inst, previous.events, previous.firstSeq);
                    expect(again.applied).toBe(0);
                  }
                  break;
                }
                case 'check':
                  await check();
                  break;
              }
            }
            await check();

            // Every session ends, some by a close event and the rest by closeSessions (stop or
            // reap) in small batches: every live breakdown empties, and the day keeps all the time.
            const [first] = model.live[0].keys();
            if (first !== undefined) {
              pending[0].push('c', first, '');
              model.apply({ kind: 'close', inst: 0, sid: first });
              await sendAll();
            }
            for (let i = 0; i < META_INSTANCES; i++) {
              for (;;) {
                const closed = await closeSessions(runner, keys, {
                  instanceId: instanceId(i),
                  incarnation: 'inc',
                  instant: 'now',
                  day,
                  expiry: expiryOf(day, 400),
                  batchSize: 2,
                  breakdownCap: cap,
                });
                if (closed.status === ScriptStatus.WRONG_DAY) {
                  day = calendar.dayAt(closed.closeMs);
                  continue;
                }
                if (closed.left === 0) break;
              }
              model.live[i].clear();
            }
            await expectMetaBreakdowns(client, keys, model, cap, day.date);
            await expectNoLiveBreakdowns(client, keys);
            const sessionMs = Number((await client.hget(keys.day(day.date), 'sessionMs')) ?? 0);
            for (const by of BREAKDOWN_DIMENSIONS) {
              const rows = Object.values(await dayBreakdownRows(client, keys, day.date, by));
              expect(rows.reduce((n, r) => n + r[1], 0)).toBe(sessionMs);
            }
          },
        ),
        { numRuns: Number(process.env.SAU_PROPERTY_RUNS ?? 35) },
      );
    } finally {
      client.disconnect();
    }
  });
});
