--- @include "redisTime"
--- @include "fieldBatch"

-- Breakdowns of sessions by device type (d), OS (o) and browser/app (b), kept as fields of hashes
-- the scripts read and write whole once per call anyway (fieldBatch):
--
-- The live totals hash holds, besides sessions, anonymous and users:
--   "p:<id>"    a client profile: "<live sessions>|<flags><content>"; content is deviceType US
--               osName US osVersion US clientName US clientVersion (US = \31), the id is derived
--               from it by every writer (src/session/profile-id.ts); flags are three characters,
--               "1" where the dimension counts as "other" live (its values were full when the
--               profile was created), so a session always leaves the value it was added to. A
--               profile goes with its last live session.
--   "d:<value>" live sessions with that device type (o: OS, b: browser/app)
--   "D:<value>" logged-in live sessions with it (O:, B:): sessions, not distinct users
--   "#d"        values the live fields of the dimension hold (o, b likewise), for the cap
-- Live fields go at 0, so only the totals are left when no session is live.
--
-- A day's hash holds, besides its counters:
--   "d:<value>" "<sessions opened>|<session ms>|<users>" that day (o:, b: likewise)
--   "#d"        values the dimension admitted that day (o, b likewise)
--   "|inexact"  once the day outgrew its exact tally: how many users the user counts cover (the
--               reader scales them to the day's HyperLogLog count)
-- so 400 days of breakdowns cost a few KB a day, never a HyperLogLog per value. Distinct users per
-- value are exact while the day's tally is, with the day's users hash (userId -> the values it was
-- active with), kept only until the day is over.
--
-- "" counts as "unknown". Each dimension admits at most `cap` values besides "other" and
-- "unknown" (live: at a time; a day: in all); any further value counts as "other".
local US = '\31'
local OTHER, UNKNOWN = 'other', 'unknown'
local INEXACT = '|inexact'
local LETTERS = { 'd', 'o', 'b' }
local LOGGED_IN_LETTERS = { 'D', 'O', 'B' }
-- Which of the five content fields holds each dimension's value.
local DIMENSION_FIELDS = { 1, 2, 4 }
local MAX_USERS_UNPACK = 1000

-- Every piece of `text` between separators, empty pieces included.
local function splitText(text, sep)
  local parts, from = {}, 1
  while true do
    local at = string.find(text, sep, from, true)
    if not at then
      parts[#parts + 1] = string.sub(text, from)
      return parts
    end
    parts[#parts + 1] = string.sub(text, from, at - 1)
    from = at + 1
  end
end

-- The three breakdown values of a profile's content ("unknown" where empty).
local function rawValues(content)
  local fields = splitText(content, US)
  local raw = {}
  for d = 1, 3 do
    local v = fields[DIMENSION_FIELDS[d]] or ''
    raw[d] = v ~= '' and v or UNKNOWN
  end
  return raw
end

local function wantValues(fb, raw)
  for d = 1, 3 do
    want(fb, LETTERS[d] .. ':' .. raw[d])
    want(fb, LETTERS[d] .. ':' .. OTHER)
    want(fb, '#' .. LETTERS[d])
  end
end

-- A day's value of dimension `d`: itself if the day has it or room for it, else "other".
local function admitDay(fb, cap, d, value)
  if value == OTHER or value == UNKNOWN then return value end
  local letter = LETTERS[d]
  if fieldValue(fb, letter .. ':' .. value) then return value end
  local admitted = fieldNumber(fb, '#' .. letter)
  if admitted >= cap then return OTHER end
  setField(fb, '#' .. letter, admitted + 1)
  -- Present from now on, so the value is admitted once however often this call sees it.
  setField(fb, letter .. ':' .. value, '0|0|0')
  return value
end

local function addToDay(fb, cap, d, value, slot, delta)
  if delta == 0 then return end
  local field = LETTERS[d] .. ':' .. admitDay(fb, cap, d, value)
  local old = fieldValue(fb, field)
  local counts = old and splitText(old, '|') or {}
  local n = {}
  for s = 1, 3 do n[s] = tonumber(counts[s]) or 0 end
  n[slot] = n[slot] + delta
  setField(fb, field, int(n[1]) .. '|' .. int(n[2]) .. '|' .. int(n[3]))
end

-- liveFb: the live totals hash; dayFb, prevFb: the day's and the day before's hash (prevFb may be
-- nil when no time can go to the day before); usersKey: the day's users hash, or nil.
local function newBreakdown(cap, liveFb, dayFb, prevFb, usersKey)
  return { cap = cap, live = liveFb, day = dayFb, prev = prevFb, usersKey = usersKey,
           profiles = {}, profileOrder = {}, changes = {}, admitted = {} }
end

-- Names the fields a profile needs. `content` is what the writer sent for it, or nil when the
-- caller only has its id (a reaper): then resolveProfiles reads it from its record first.
local function wantProfile(b, id, content)
  if b.profiles[id] then return end
  local p = { id = id, content = content }
  b.profiles[id] = p
  b.profileOrder[#b.profileOrder + 1] = p
  if id ~= '' then want(b.live, 'p:' .. id) end
  if content then
    p.raw = rawValues(content)
    wantValues(b.live, p.raw)
    for d = 1, 3 do want(b.live, LOGGED_IN_LETTERS[d] .. ':' .. p.raw[d]) end
    for d = 1, 3 do want(b.live, LOGGED_IN_LETTERS[d] .. ':' .. OTHER) end
    wantValues(b.day, p.raw)
    if b.prev then wantValues(b.prev, p.raw) end
  end
end

-- After the first load: profiles known only by id get their content from their records, and
-- name their value fields (the caller loads again); returns whether another load is needed.
local function profilesNeedValues(b)
  local more = false
  for _, p in ipairs(b.profileOrder) do
    local id = p.id
    if not p.content then
      local text = id ~= '' and fieldValue(b.live, 'p:' .. id)
      p.content = text and string.sub(text, string.find(text, '|', 1, true) + 4) or ''
      p.raw = rawValues(p.content)
      wantValues(b.live, p.raw)
      for d = 1, 3 do
        want(b.live, LOGGED_IN_LETTERS[d] .. ':' .. p.raw[d])
        want(b.live, LOGGED_IN_LETTERS[d] .. ':' .. OTHER)
      end
      wantValues(b.day, p.raw)
      if b.prev then wantValues(b.prev, p.raw) end
      more = true
    end
  end
  return more
end

-- After loading: each profile's record, created (its live values admitted now, in the order the
-- writer named the profiles: the order of their first events) when no live session has it yet.
-- Sets p.live, the values its sessions count under live.
local function resolveProfiles(b)
  for _, p in ipairs(b.profileOrder) do
    local id = p.id
    local text = id ~= '' and fieldValue(b.live, 'p:' .. id)
    if text then
      local bar = string.find(text, '|', 1, true)
      p.count = tonumber(string.sub(text, 1, bar - 1))
      p.flags = string.sub(text, bar + 1, bar + 3)
    else
      p.count = 0
      p.flags = ''
      for d = 1, 3 do
        local v, letter = p.raw[d], LETTERS[d]
        local field = letter .. ':' .. v
        local admitted = v == OTHER or v == UNKNOWN or fieldValue(b.live, field) or b.admitted[field]
        if not admitted then
          local n = fieldNumber(b.live, '#' .. letter)
          if n < b.cap then
            admitted = true
            setField(b.live, '#' .. letter, n + 1)
            -- Its field appears with the value's first session; see applyBreakdown.
            b.admitted[field] = d
          end
        end
        p.flags = p.flags .. (admitted and '0' or '1')
      end
    end
    p.live = {}
    for d = 1, 3 do p.live[d] = string.sub(p.flags, d, d) == '1' and OTHER or p.raw[d] end
  end
end

-- Changes of one call, summed per client profile ("" for none).
local function changesOf(b, profileId)
  local c = b.changes[profileId]
  if not c then
    c = { live = 0, loggedIn = 0, opened = 0, dayMs = 0, prevDayMs = 0 }
    b.changes[profileId] = c
  end
  return c
end

-- Session time credited: the part before today's midnight to the day before, the rest to today.
local function breakdownCredited(b, profileId, prevDayMs, dayMs)
  if prevDayMs <= 0 and dayMs <= 0 then return end
  local c = changesOf(b, profileId)
  c.prevDayMs = c.prevDayMs + prevDayMs
  c.dayMs = c.dayMs + dayMs
end

-- A live count of dimension `d`; `letters` says which kind. A value's field goes at 0 and, unless
-- it is other or unknown, frees its place among the dimension's values.
local function addToLive(b, letters, d, value, delta)
  if delta == 0 then return end
  local field = letters[d] .. ':' .. value
  local n = fieldNumber(b.live, field) + delta
  if n > 0 then
    setField(b.live, field, n)
    return
  end
  setField(b.live, field, nil)
  if letters == LETTERS and value ~= OTHER and value ~= UNKNOWN then
    addToField(b.live, '#' .. LETTERS[d], -1, true)
  end
end

-- Users active today on sessions of a profile (user id, profile id, …): each counted once
-- per value it uses, while the day is exact. The day's users hash holds, per user, each value it
-- was active with ("<letter><value>" entries between US characters): one HMGET, one HSET a call.
local function breakdownUsersActive(b, userProfiles)
  if not b.usersKey or #userProfiles == 0 then return end
  local users, index = {}, {}
  for i = 1, #userProfiles, 2 do
    if not index[userProfiles[i]] then
      users[#users + 1] = userProfiles[i]
      index[userProfiles[i]] = #users
    end
  end
  local seen = {}
  for from = 1, #users, MAX_USERS_UNPACK do
    local to = math.min(#users, from + MAX_USERS_UNPACK - 1)
    local got = redis.call('HMGET', b.usersKey, unpack(users, from, to))
    for i = from, to do seen[i] = got[i - from + 1] or US end
  end
  local changed = {}
  for i = 1, #userProfiles, 2 do
    local u = index[userProfiles[i]]
    local p = b.profiles[userProfiles[i + 1]]
    for d = 1, 3 do
      local value = admitDay(b.day, b.cap, d, p.raw[d])
      local entry = LETTERS[d] .. value .. US
      if not string.find(seen[u], US .. entry, 1, true) then
        seen[u] = seen[u] .. entry
        addToDay(b.day, b.cap, d, value, 3, 1)
        changed[u] = true
      end
    end
  end
  local args = {}
  for u in pairs(changed) do
    args[#args + 1] = users[u]
    args[#args + 1] = seen[u]
    if #args >= 2 * MAX_USERS_UNPACK then
      redis.call('HSET', b.usersKey, unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('HSET', b.usersKey, unpack(args)) end
  b.usersSaved = next(changed) ~= nil
end

-- The day outgrew its exact user tally: its users hash goes, and the counts say how many users
-- they cover (once; the field's presence says it happened).
local function freezeBreakdownUsers(b, usersCovered)
  if fieldValue(b.day, INEXACT) then return end
  if b.usersKey then redis.call('DEL', b.usersKey) end
  setField(b.day, INEXACT, usersCovered)
end

-- Spreads the per-profile changes over the value fields, and keeps the profiles' live counts.
local function applyBreakdown(b)
  for id, c in pairs(b.changes) do
    local p = b.profiles[id]
    for d = 1, 3 do
      addToLive(b, LETTERS, d, p.live[d], c.live)
      addToLive(b, LOGGED_IN_LETTERS, d, p.live[d], c.loggedIn)
      addToDay(b.day, b.cap, d, p.raw[d], 1, c.opened)
      if c.dayMs > 0 then addToDay(b.day, b.cap, d, p.raw[d], 2, c.dayMs) end
      if c.prevDayMs > 0 then addToDay(b.prev, b.cap, d, p.raw[d], 2, c.prevDayMs) end
    end
    if id ~= '' and c.live ~= 0 then
      p.count = p.count + c.live
      if p.count > 0 then
        setField(b.live, 'p:' .. id, int(p.count) .. '|' .. p.flags .. p.content)
      else
        setField(b.live, 'p:' .. id, nil)
      end
    end
  end
  -- A value admitted for a profile whose sessions all ended in this same call holds no place.
  for field, d in pairs(b.admitted) do
    if fieldNumber(b.live, field) <= 0 then addToField(b.live, '#' .. LETTERS[d], -1, true) end
  end
end
