--[[
  Read everything `stats()` reports in one round trip: live totals, the day, the 7 and 30 days
  ending on it, and its month. Reads only; cost does not depend on the number of live sessions,
  and, while the window cache is valid, windows past exact counting merge two HyperLogLogs
  whatever the history (see lua/sampleGauges-101.lua).
  Input:
    KEYS[1] live totals hash (sessions, anonymous, users)
    KEYS[2] leases zset
    KEYS[3] month hash
    KEYS[4] month users set
    KEYS[5] month users hll
    KEYS[6..35] day hashes, the requested day first, then each day before it
    KEYS[36..65] day users sets, same order
    KEYS[66..95] day users hlls, same order
    KEYS[96] window cache hash (version, date, built, exact7, total7, exact30, total30)
    KEYS[97] window cache hll: merged users of the 6 days before the requested day
    KEYS[98] window cache hll: merged users of the 29 days before the requested day
    ARGV[1] largest sum of day set sizes for which a 7 or 30 day union is computed exactly
    ARGV[2] the requested day (YYYY-MM-DD): the window cache is used only if built for it
  Output:
    flat array of numbers:
      nowMs, live users, live sessions, anonymous sessions, live instances,
      day users, day exact (1/0), sessions opened, logins, session ms, peak users, peak at ms,
      week users, week exact, rolling 30 users, rolling 30 exact, month users, month exact,
      sessions closed that day
]]
--- @include "includes/redisTime"
--- @include "includes/statsReading"

return readStatsAt(redisNowMs(), tonumber(ARGV[1]), ARGV[2])
