--- @include "redisTime"
--- @include "fieldBatch"
--- @include "breakdownDays"

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
--
-- Strings cost: every concatenation makes one. A profile's field names come from the writer (or
-- are built once per profile), decisions are cached per call, and a day field is parsed and
-- formatted once per call however many changes it gets.

local OTHER_LOGGED_IN_FIELDS = { 'D:other', 'O:other', 'B:other' }
local MAX_USERS_UNPACK = 1000

-- liveFb: the live totals hash; dayFb, prevFb: the day's and the day before's hash (prevFb may be
-- nil when no time can go to the day before); usersKey: the day's users hash, or nil. The fields
-- of "other" and of the values' counts are read only by a call that needs them (a value new live
-- or to the day, a value's last session, a full dimension): on their own, when first read.
-- Eight fields, so the table takes eight places, not sixteen (a place is 40 bytes a call): the day's
-- hash and the cap are its day state's (dayState.fb, dayState.cap).
local function newBreakdown(cap, liveFb, dayFb, prevFb, usersKey)
  return { live = liveFb, prev = prevFb, usersKey = usersKey,
           profiles = {}, profileOrder = {}, admitted = false,
           dayState = newDayState(dayFb, cap),
           prevState = prevFb and newDayState(prevFb, cap) or nil }
end

-- Names, for the next load, the value fields (p.vf, p.lf) of a profile whose changes are set that
-- the call will read: the live ones its sessions change, the day's when `day` says that sessions
-- opened, time or users go to them, the day before's when time may.
local function wantValueFields(b, p, day)
  for d = 1, 3 do
    if p.live ~= 0 then want(b.live, p.vf[d]) end
    if p.loggedIn ~= 0 then want(b.live, p.lf[d]) end
    if day then want(b.dayState.fb, p.vf[d]) end
    if b.prev then want(b.prev, p.vf[d]) end
  end
end

-- Names the record of a profile; the writer sends the names of its fields: `valueFields` (d:, o:,
-- b: of its three values) and `loggedInFields` (D:, O:, B:), tables of three, for wantValueFields
-- once the caller has set the profile's changes.
local function wantProfile(b, id, content, valueFields, loggedInFields)
  if b.profiles[id] then return b.profiles[id] end
  local p = { id = id, content = content, vf = valueFields, lf = loggedInFields,
              live = 0, loggedIn = 0, opened = 0, dayMs = 0, prevDayMs = 0 }
  b.profiles[id] = p
  b.profileOrder[#b.profileOrder + 1] = p
  if id ~= '' then
    p.pf = 'p:' .. id
    want(b.live, p.pf)
  end
  return p
end

-- After loading: each profile's record, created (its live values admitted now, in the order the
-- writer named the profiles: the order of their first events) when no live session has it yet.
-- Sets the fields its sessions count under live (p.liveField, p.liveLoggedInField).
local function resolveProfiles(b)
  for _, p in ipairs(b.profileOrder) do
    local text = p.pf and fieldValue(b.live, p.pf)
    if text then
      local bar = string.find(text, '|', 1, true)
      p.count = tonumber(string.sub(text, 1, bar - 1))
      p.flags = string.sub(text, bar + 1, bar + 3)
    else
      p.count = 0
      p.flags = ''
      for d = 1, 3 do
        local field = p.vf[d]
        local admitted = unlimited(field) or fieldValue(b.live, field)
          or (b.admitted and b.admitted[field])
        if not admitted then
          local n = fieldNumber(b.live, COUNT_FIELDS[d])
          if n < b.dayState.cap then
            admitted = true
            setField(b.live, COUNT_FIELDS[d], n + 1)
            -- Its field appears with the value's first session; see applyBreakdown. Rare: the
            -- table is made then (an empty table costs a call about 0.1 KB).
            b.admitted = b.admitted or {}
            b.admitted[field] = d
          end
        end
        p.flags = p.flags .. (admitted and '0' or '1')
      end
    end
    if p.flags == '000' then
      -- Every value its own (the usual case): the value fields as they are, no tables made.
      p.liveField, p.liveLoggedInField = p.vf, p.lf
    else
      p.liveField, p.liveLoggedInField = {}, {}
      for d = 1, 3 do
        local other = string.sub(p.flags, d, d) == '1'
        p.liveField[d] = other and OTHER_FIELDS[d] or p.vf[d]
        p.liveLoggedInField[d] = other and OTHER_LOGGED_IN_FIELDS[d] or p.lf[d]
      end
    end
  end
end

-- Session time credited: the part before today's midnight to the day before, the rest to today.
local function breakdownCredited(b, profileId, prevDayMs, dayMs)
  if prevDayMs <= 0 and dayMs <= 0 then return end
  local p = b.profiles[profileId]
  p.prevDayMs = p.prevDayMs + prevDayMs
  p.dayMs = p.dayMs + dayMs
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
      -- "<letter><value>" (e[d + 3]) and how to find that in a user's list (e[d + 6]). One table,
      -- so that the profile's record keeps 15 fields: a 17th would double its places (40 bytes
      -- each) to 32. Its nine places made at once (filled out of order, they would grow it).
      e = { false, false, false, false, false, false, false, false, false }
      for d = 1, 3 do
        local field = dayField(state, p.vf[d], d)
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

-- The day outgrew its exact user tally: its users hash goes, and the counts say how many users
-- they cover (once; the field's presence says it happened).
local function freezeBreakdownUsers(b, usersCovered)
  local dayFb = b.dayState.fb
  if fieldValue(dayFb, INEXACT) then return end
  if b.usersKey then redis.call('DEL', b.usersKey) end
  setField(dayFb, INEXACT, usersCovered)
end

-- A live field at 0 goes and, a value's unless it is other or unknown, frees its place among its
-- dimension's values (`countField`, "#d" for "d:<value>"; nil for a logged-in field, "D:<value>",
-- which takes none). Called once every profile's change is added to the field, so a field two
-- profiles change goes by their sum; one gone already (by another profile) is left alone.
local function dropEmptyLive(b, field, countField)
  local value = fieldValue(b.live, field)
  if not value or tonumber(value) > 0 then return end
  setField(b.live, field, nil)
  if countField and not unlimited(field) then addToField(b.live, countField, -1, true) end
end

-- Spreads the per-profile changes over the value fields, and keeps the profiles' live counts.
local function applyBreakdown(b)
  local day, prev = b.dayState, b.prevState
  for _, p in ipairs(b.profileOrder) do
    for d = 1, 3 do
      addToField(b.live, p.liveField[d], p.live)
      addToField(b.live, p.liveLoggedInField[d], p.loggedIn)
      if p.opened ~= 0 then addToDay(day, dayField(day, p.vf[d], d), 1, p.opened) end
      if p.dayMs > 0 then addToDay(day, dayField(day, p.vf[d], d), 2, p.dayMs) end
      if p.prevDayMs > 0 then addToDay(prev, dayField(prev, p.vf[d], d), 2, p.prevDayMs) end
    end
    if p.pf and p.live ~= 0 then
      p.count = p.count + p.live
      if p.count > 0 then
        setField(b.live, p.pf, int(p.count) .. '|' .. p.flags .. p.content)
      else
        setField(b.live, p.pf, nil)
      end
    end
  end
  -- Each profile's change went straight into its fields; with all of them in, the fields at 0 go
  -- (no table of pending sums: a table costs a call time).
  for _, p in ipairs(b.profileOrder) do
    for d = 1, 3 do
      if p.live ~= 0 then dropEmptyLive(b, p.liveField[d], COUNT_FIELDS[d]) end
      if p.loggedIn ~= 0 then dropEmptyLive(b, p.liveLoggedInField[d], nil) end
    end
  end
  -- A value admitted for a profile whose sessions all ended in this same call holds no place.
  if b.admitted then
    for field, d in pairs(b.admitted) do
      if fieldNumber(b.live, field) <= 0 then addToField(b.live, COUNT_FIELDS[d], -1, true) end
    end
  end
  applyDay(day)
  if prev then applyDay(prev) end
end
