// The session-time rule in its two homes: creditTime in lua/includes/liveChanges.lua (applyBatch's
// closes, at Redis TIME) and addCreditedTime in src/session/session-time.ts (close calls, summed
// by the caller for a known instant). Both must credit every session the same.
import fc from 'fast-check';
import { join } from 'node:path';
import { useRedis } from '../support/use-redis';
import { bundleLua } from '../../src/scripts/lua-bundle';
import { addCreditedTime } from '../../src/session/session-time';

const LIVE_CHANGES = join(__dirname, '..', '..', 'lua', 'includes', 'liveChanges.lua');
const DAY_MS = 86_400_000;

/** ARGV: day start, then stamp and close pairs; answers each pair's day-before and day ms. */
const CREDIT_EACH = `${bundleLua(LIVE_CHANGES)}
local dayStartMs = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV, 2 do
  local t = newLiveChanges(nil, nil, nil, dayStartMs)
  local prevDayMs, dayMs = creditTime(t, tonumber(ARGV[i]), tonumber(ARGV[i + 1]))
  out[#out + 1] = int(prevDayMs)
  out[#out + 1] = int(dayMs)
end
return out`;

describe('session time credited at a close', () => {
  const redis = useRedis();

  it('is the same in the scripts and in the caller that sums a chunk', async () => {
    const dayStartMs = Date.UTC(2031, 0, 31);
    // Stamps up to three days before the day start, closes anywhere from two days before it to
    // the day's end: before, at and after the stamp, across one or two midnights.
    const session = fc.record({
      stampMs: fc.integer({ min: dayStartMs - 3 * DAY_MS, max: dayStartMs + DAY_MS - 1 }),
      closeMs: fc.integer({ min: dayStartMs - 2 * DAY_MS, max: dayStartMs + DAY_MS - 1 }),
    });
    const edges = [
      { stampMs: dayStartMs, closeMs: dayStartMs },
      { stampMs: dayStartMs - 1, closeMs: dayStartMs },
      { stampMs: dayStartMs - DAY_MS - 1, closeMs: dayStartMs + 1 },
      { stampMs: dayStartMs + 5, closeMs: dayStartMs + 4 },
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(session, { minLength: 1, maxLength: 50 }), async (drawn) => {
        const sessions = [...edges, ...drawn];
        const args = sessions.flatMap(({ stampMs, closeMs }) => [stampMs, closeMs]);
        const inLua = (await redis.client().eval(CREDIT_EACH, 0, dayStartMs, ...args)) as string[];
        sessions.forEach(({ stampMs, closeMs }, i) => {
          const credited = { prevDayMs: 0, dayMs: 0 };
          addCreditedTime(credited, stampMs, closeMs, dayStartMs);
          expect([credited.prevDayMs, credited.dayMs]).toEqual([
            Number(inLua[2 * i]),
            Number(inLua[2 * i + 1]),
          ]);
        });
      }),
      { numRuns: 200 },
    );
  });
});
