-- Everything `stats()` reports, read from KEYS[1..98] laid out as lua/readStats-98.lua documents
-- them; shared with lua/sampleGauges-101.lua so the gauges and stats() agree. Reads only; the cost
-- does not depend on the number of live sessions. Once the window cache is built, a window that
-- is not exact merges two HyperLogLogs, whatever the history; an exact one (at most
-- exactUnionLimit ids in all) is still the union of its day sets.
local STATS_DAYS, STATS_FIRST_HASH, STATS_FIRST_SET, STATS_FIRST_HLL = 30, 6, 36, 66

-- Distinct users of one period: the live set while it exists, else the frozen exact count, else
-- the HyperLogLog once the period outgrew the exact threshold. Returns users, exact (1/0), and
-- whether the count comes from a set that still exists.
local function periodUsers(hashKey, setKey, hllKey)
  local fields = redis.call('HMGET', hashKey, 'inexact', 'users')
  if fields[1] == '1' then return redis.call('PFCOUNT', hllKey), 0, false end
  local size = redis.call('SCARD', setKey)
  if size > 0 then return size, 1, true end
  return tonumber(fields[2] or '0'), 1, false
end

-- Days `from`..`to` (0 = the requested day, 1 the day before, …): whether every day with users
-- still has its exact set, the sum of those sets' sizes, the sets, and the HyperLogLogs of the
-- days with users (PFCOUNT of one key answers from its cached count; of several, it merges).
local function windowDays(from, to)
  local exact, total, sets, hlls = true, 0, {}, {}
  for i = from, to do
    local users, _, hasSet = periodUsers(KEYS[STATS_FIRST_HASH + i], KEYS[STATS_FIRST_SET + i],
      KEYS[STATS_FIRST_HLL + i])
    if users > 0 then
      if hasSet then
        total = total + users
        sets[#sets + 1] = KEYS[STATS_FIRST_SET + i]
      else
        exact = false
      end
      hlls[#hlls + 1] = KEYS[STATS_FIRST_HLL + i]
    end
  end
  return exact, total, sets, hlls
end

local function readStatsAt(nowMs, exactUnionLimit, date)
  local rcall = redis.call
  local live = rcall('HMGET', KEYS[1], 'sessions', 'anonymous', 'users')
  local instances = rcall('ZCOUNT', KEYS[2], '(' .. int(nowMs), '+inf')
  local dayUsers, dayExact, dayHasSet = periodUsers(KEYS[STATS_FIRST_HASH], KEYS[STATS_FIRST_SET],
    KEYS[STATS_FIRST_HLL])
  -- The window cache (built by the gauge sampler) holds, for one date, the merged HyperLogLog of
  -- the days before it in each window and whether they are all exact; valid until a past day
  -- gains users (markActiveUsers, importDay bump `version`).
  local cache = rcall('HMGET', KEYS[96], 'version', 'date', 'built', 'exact7', 'total7',
    'exact30', 'total30')
  local cacheValid = cache[2] == date and cache[3] == (cache[1] or '0')
    and rcall('EXISTS', KEYS[97], KEYS[98]) == 2

  -- Distinct users over the first n days: exact union of the day sets when every day is exact,
  -- its set still exists and the sets are small; otherwise the merged HyperLogLogs.
  local function windowUsers(n, cacheKey, cachedExact, cachedTotal)
    if cacheValid then
      local todayExact = dayUsers == 0 or dayHasSet
      local total = tonumber(cachedTotal) + (dayHasSet and dayUsers or 0)
      if not (cachedExact == '1' and todayExact and total <= exactUnionLimit) then
        return rcall('PFCOUNT', cacheKey, KEYS[STATS_FIRST_HLL]), 0
      end
    end
    local exact, total, sets, hlls = windowDays(0, n - 1)
    if exact and total <= exactUnionLimit then
      -- One set is its own union: no need to copy up to exactUnionLimit ids into Lua.
      if #sets <= 1 then return total, 1 end
      return #rcall('SUNION', unpack(sets)), 1
    end
    if #hlls == 0 then return 0, 0 end
    return rcall('PFCOUNT', unpack(hlls)), 0
  end

  local day = rcall('HMGET', KEYS[STATS_FIRST_HASH], 'sessions', 'logins', 'sessionMs', 'peakUsers', 'peakAt',
    'closed')
  local weekUsers, weekExact = windowUsers(7, KEYS[97], cache[4], cache[5])
  local rollingUsers, rollingExact = windowUsers(STATS_DAYS, KEYS[98], cache[6], cache[7])
  local monthUsers, monthExact = periodUsers(KEYS[3], KEYS[4], KEYS[5])

  local function n(v) return tonumber(v or '0') end
  return {
    nowMs, n(live[3]), n(live[1]), n(live[2]), instances,
    dayUsers, dayExact, n(day[1]), n(day[2]), n(day[3]), n(day[4]), n(day[5]),
    weekUsers, weekExact, rollingUsers, rollingExact, monthUsers, monthExact, n(day[6]),
  }
end
