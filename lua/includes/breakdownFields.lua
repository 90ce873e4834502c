--- @include "redisTime"
--- @include "hashCounters"
--- @include "breakdownDays"

-- Breakdowns of sessions by device type (d), OS (o) and browser/app (b), kept as counter fields
-- of the live totals hash and of each day's hash (includes/hashCounters):
--
-- The live totals hash holds, besides sessions, anonymous and users:
--   "p:<id>"    a client profile: "<flags><content>"; content is deviceType US osName US
--               osVersion US clientName US clientVersion (US = \31), the id is derived from it by
--               every writer (src/session/profile-id.ts); flags are three characters, "1" where
--               the dimension counts as "other" live (its values were full when the profile was
--               created), so a session always leaves the value it was added to
--   "n:<id>"    the profile's live sessions; both go with its last live session
--   "d:<value>" live sessions with that device type (o: OS, b: browser/app)
--   "D:<value>" logged-in live sessions with it (O:, B:): sessions, not distinct users
--   "#d"        values the live fields of the dimension hold (o, b likewise), for the cap
-- Live fields go at 0, so only the totals are left when no session is live.
--
-- A day's hash holds, besides its counters:
--   "d:<value>", "dt:<value>", "du:<value>" sessions opened, session ms and users with that value
--               that day (o, b likewise; includes/breakdownDays)
--   "#d"        values the dimension admitted that day (o, b likewise)
--   "|inexact"  once the day outgrew its exact tally: how many users the user counts cover (the
--               reader scales them to the day's HyperLogLog count)
-- so 400 days of breakdowns cost a few KB a day, never a HyperLogLog per value. Distinct users per
-- value are exact while the day's tally is, with the day's users hash (userId -> the values it was
-- active with), kept only until the day is over.
--
-- "" counts as "unknown". Each dimension admits at most `cap` values besides "other" and
-- "unknown" (live: at a time; a day: in all); any further value counts as "other".

local OTHER_LOGGED_IN_FIELDS = { 'D:other', 'O:other', 'B:other' }
local MAX_USERS_UNPACK = 1000

-- liveKey: the live totals hash; dayKey, prevKey: the day's and the day before's hash (prevKey may
-- be nil when no time can go to the day before); usersKey: the day's users hash, or nil.
local function newBreakdown(cap, liveKey, dayKey, prevKey, usersKey)
  return { live = liveKey, usersKey = usersKey, cap = cap, profiles = {}, admitted = false,
           dayState = newDayState(dayKey, cap), prevState = prevKey and newDayState(prevKey, cap) or nil }
end

-- Names a profile the call changes. `fields[at..at + 5]` name its fields: d:, o:, b: of its three
-- values, then the logged-in D:, O:, B: (the writer sends them, and a profile points into the
-- call's arguments rather than copying them); a reaper knows only the id (the rest nil), and reads
-- them from its record (resolveProfiles). b.profiles holds the profiles in order, and by id.
-- Eight fields, so the table takes eight places, not sixteen (a place is 40 bytes, and every byte
-- a call allocates costs it time): the day's counts go straight to the day (addProfileToDay), and
-- what only a rare call needs (`created`, `liveFields`) is added when it does.
local function addProfile(b, id, content, fields, at)
  local p = b.profiles[id]
  if p then return p end
  p = { id = id, content = content, fields = fields, at = at, live = 0, loggedIn = 0, flags = '000',
        userEntries = false }
  b.profiles[id] = p
  b.profiles[#b.profiles + 1] = p
  return p
end

-- A new profile's live values: each its own if the live hash counts it already or has room for
-- it, else "other" (flag "1"). A place is taken now; the value's field appears with the sessions
-- added next (applyBreakdown), so it is taken once per call however many profiles share it.
local function admitLiveValues(b, p)
  local flags = ''
  for d = 1, 3 do
    local field = p.fields[p.at + d - 1]
    local admitted = unlimited(field) or (b.admitted and b.admitted[field])
      or redis.call('HEXISTS', b.live, field) == 1
    if not admitted and takeValuePlace(b.live, d, b.cap) then
      admitted = true
      b.admitted = b.admitted or {}
      b.admitted[field] = true
    end
    flags = flags .. (admitted and '0' or '1')
  end
  return flags
end

-- Reads the records of the profiles that have one (one HMGET): their flags, and for a profile
-- known only by id its content and fields, by `valuesOf` (includes/profilesById). A profile new
-- live gets its flags now (its record is written with its sessions, applyBreakdown). A profile
-- with a value counted as "other" live gets the live fields its sessions count under
-- (p.liveFields, six like its own); the others count under their own.
local function resolveProfiles(b, valuesOf)
  local names, named = nil, nil
  for _, p in ipairs(b.profiles) do
    if p.id ~= '' then
      if not names then names, named = {}, {} end
      names[#names + 1] = 'p:' .. p.id
      named[#named + 1] = p
    elseif not p.fields then
      valuesOf(p, '')
    end
  end
  if not names then return end
  local records = redis.call('HMGET', b.live, unpack(names))
  for i, p in ipairs(named) do
    local record = records[i]
    if record then
      p.flags = string.sub(record, 1, 3)
      if not p.fields then valuesOf(p, string.sub(record, 4)) end
    else
      if not p.fields then valuesOf(p, '') end
      -- A profile no live session holds: new, unless its sessions end in this same call.
      if p.live > 0 then
        p.flags = admitLiveValues(b, p)
        p.created = true
      end
    end
    if p.flags ~= '000' then
      local live = {}
      for d = 1, 3 do
        local other = string.sub(p.flags, d, d) == '1'
        live[d] = other and OTHER_FIELDS[d] or p.fields[p.at + d - 1]
        live[d + 3] = other and OTHER_LOGGED_IN_FIELDS[d] or p.fields[p.at + d + 2]
      end
      p.liveFields = live
    end
  end
end

-- Session time credited: the part before today's midnight to the day before, the rest to today
-- (after resolveProfiles, which gives a reaper's profiles their values).
local function breakdownCredited(b, profileId, prevDayMs, dayMs)
  local p = b.profiles[profileId]
  addProfileToDay(b.dayState, p.fields, p.at, 2, dayMs)
  if b.prevState then addProfileToDay(b.prevState, p.fields, p.at, 2, prevDayMs) end
end

-- Users active today on sessions of a profile (userProfiles[from..to]: user id, profile id, …):
-- each counted once per value it uses, while the day is exact. The day's users hash holds, per
-- user, each value it was active with ("<letter><value>" entries between US characters): one
-- HMGET, one HSET a call.
local function breakdownUsersActive(b, userProfiles, from, to)
  if not b.usersKey or to < from then return end
  local state = b.dayState
  local users, index = {}, {}
  for i = from, to, 2 do
    local userId = userProfiles[i]
    if not index[userId] then
      users[#users + 1] = userId
      index[userId] = #users
    end
  end
  local seen = {}
  for first = 1, #users, MAX_USERS_UNPACK do
    local last = math.min(#users, first + MAX_USERS_UNPACK - 1)
    local got = redis.call('HMGET', b.usersKey, unpack(users, first, last))
    for i = first, last do seen[i] = got[i - first + 1] or US end
  end
  local changed = {}
  for i = from, to, 2 do
    local u = index[userProfiles[i]]
    local p = b.profiles[userProfiles[i + 1]]
    local e = p.userEntries
    if not e then
      -- Of each dimension d, the day field the profile's value counts under (e[d]), its entry
      -- "<letter><value>" (e[d + 3]) and how to find that in a user's list (e[d + 6]).
      e = { false, false, false, false, false, false, false, false, false }
      for d = 1, 3 do
        local field = dayField(state, p.fields[p.at + d - 1], d)
        e[d] = field
        e[d + 3] = LETTERS[d] .. string.sub(field, 3) .. US
        e[d + 6] = US .. e[d + 3]
      end
      p.userEntries = e
    end
    for d = 1, 3 do
      if not string.find(seen[u], e[d + 6], 1, true) then
        seen[u] = seen[u] .. e[d + 3]
        addToDay(state, e[d], 3, 1)
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

-- Adds a live change to three of a profile's live fields (`fields[from..from + 2]`); one at 0 goes
-- and, a value's unless it is other or unknown, frees its place among its dimension's values
-- (with `countFields`, "#d" for "d:<value>"; nil for logged-in fields, "D:<value>", which take
-- none). Only the pass of its sign adds it: every increase first, so that a field two profiles
-- change goes only with their sum.
local function addToLive(b, fields, from, delta, increases, countFields)
  if delta == 0 or (delta > 0) ~= increases then return end
  local text = UNIT_TEXT[delta] or delta
  for d = 1, 3 do
    local field = fields[from + d - 1]
    if increases then
      redis.call('HINCRBY', b.live, field, text)
    elseif takeFrom(b.live, field, text) and countFields and not unlimited(field) then
      takeFrom(b.live, countFields[d], -1)
    end
  end
end

-- Spreads the per-profile changes over the live value fields, and keeps the profiles' live
-- counts and records; then adds the days' counts.
local function applyBreakdown(b)
  for pass = 1, 2 do
    local increases = pass == 1
    for _, p in ipairs(b.profiles) do
      local fields, at = p.fields, p.at
      if p.liveFields then fields, at = p.liveFields, 1 end
      addToLive(b, fields, at, p.live, increases, COUNT_FIELDS)
      addToLive(b, fields, at + 3, p.loggedIn, increases, nil)
    end
  end
  for _, p in ipairs(b.profiles) do
    if p.id ~= '' and p.live ~= 0 then
      local countField = 'n:' .. p.id
      if redis.call('HINCRBY', b.live, countField, UNIT_TEXT[p.live] or p.live) <= 0 then
        redis.call('HDEL', b.live, countField, 'p:' .. p.id)
      elseif p.created then
        redis.call('HSET', b.live, 'p:' .. p.id, p.flags .. p.content)
      end
    end
  end
  applyDay(b.dayState)
  if b.prevState then applyDay(b.prevState) end
end
