-- Everything `stats()` reports, read at `nowMs` from KEYS[1..96] laid out as lua/readStats-96.lua
-- documents them; shared with lua/sampleGauges-99.lua so the gauges and stats() agree.
-- Reads only; the cost does not depend on the number of live sessions.
local function readStatsAt(nowMs, exactUnionLimit)
  local rcall = redis.call
  local liveKey, usersKey, leasesKey = KEYS[1], KEYS[2], KEYS[3]
  local monthKey, monthUsersKey, monthHllKey = KEYS[4], KEYS[5], KEYS[6]
  local DAYS, FIRST_HASH, FIRST_SET, FIRST_HLL = 30, 7, 37, 67
  local live = rcall('HMGET', liveKey, 'sessions', 'anonymous')
  local instances = rcall('ZCOUNT', leasesKey, '(' .. int(nowMs), '+inf')

  -- Distinct users of one period: the live set while it exists, else the frozen exact count, else
  -- the HyperLogLog once the period outgrew the exact threshold.
  local function periodUsers(hashKey, setKey, hllKey)
    local fields = rcall('HMGET', hashKey, 'inexact', 'users')
    if fields[1] == '1' then return rcall('PFCOUNT', hllKey), 0, false end
    local size = rcall('SCARD', setKey)
    if size > 0 then return size, 1, true end
    return tonumber(fields[2] or '0'), 1, false
  end

  -- Distinct users over the first n days: exact union of the day sets when every day is exact,
  -- its set still exists and the sets are small; otherwise the merged HyperLogLogs.
  local function windowUsers(n)
    local total, sets, hlls, exact = 0, {}, {}, true
    for i = 0, n - 1 do
      local users, _, hasSet = periodUsers(KEYS[FIRST_HASH + i], KEYS[FIRST_SET + i], KEYS[FIRST_HLL + i])
      if users > 0 then
        if hasSet then
          total = total + users
          sets[#sets + 1] = KEYS[FIRST_SET + i]
        else
          exact = false
        end
      end
      hlls[#hlls + 1] = KEYS[FIRST_HLL + i]
    end
    if exact and total <= exactUnionLimit then
      -- One set is its own union: no need to copy up to exactUnionLimit ids into Lua.
      if #sets <= 1 then return total, 1 end
      return #rcall('SUNION', unpack(sets)), 1
    end
    return rcall('PFCOUNT', unpack(hlls)), 0
  end

  local dayUsers, dayExact = periodUsers(KEYS[FIRST_HASH], KEYS[FIRST_SET], KEYS[FIRST_HLL])
  local day = rcall('HMGET', KEYS[FIRST_HASH], 'sessions', 'logins', 'sessionMs', 'peakUsers', 'peakAt', 'closed')
  local weekUsers, weekExact = windowUsers(7)
  local rollingUsers, rollingExact = windowUsers(DAYS)
  local monthUsers, monthExact = periodUsers(monthKey, monthUsersKey, monthHllKey)

  local function n(v) return tonumber(v or '0') end
  return {
    nowMs, rcall('HLEN', usersKey), n(live[1]), n(live[2]), instances,
    dayUsers, dayExact, n(day[1]), n(day[2]), n(day[3]), n(day[4]), n(day[5]),
    weekUsers, weekExact, rollingUsers, rollingExact, monthUsers, monthExact, n(day[6]),
  }
end
