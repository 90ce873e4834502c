--- @include "redisTime"
--- @include "hashCounters"

-- A day's breakdown fields (lua/includes/breakdownFields.lua describes the layout): each value
-- counted in three fields, "<letter>:<value>" its sessions opened, "<letter>t:<value>" their time
-- (ms) and "<letter>u:<value>" its distinct users, each there once it counts something. A value
-- is the day's once any of them is, admitted while the dimension has room ("#d", "#o", "#b" count
-- the values), else counted under "other". A call decides each value once.
local US = '\31'
local OTHER, UNKNOWN = 'other', 'unknown'
local INEXACT = '|inexact'
local LETTERS = { 'd', 'o', 'b' }
local DIMENSION_OF = { d = 1, o = 2, b = 3 }
local OTHER_FIELDS = { 'd:other', 'o:other', 'b:other' }
local COUNT_FIELDS = { '#d', '#o', '#b' }
-- A day value's three counts: sessions opened, time, users.
local SLOT_LETTERS = { '', 't', 'u' }

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

-- Whether a field name is the one of "other" or "unknown" (which take no place among the values).
local function unlimited(field)
  local v = string.sub(field, 3)
  return v == OTHER or v == UNKNOWN
end

-- The field of one of a day value's counts (slot 1 sessions, 2 ms, 3 users), from its own field
-- "<letter>:<value>".
local function slotField(field, slot)
  if slot == 1 then return field end
  return string.sub(field, 1, 1) .. SLOT_LETTERS[slot] .. string.sub(field, 2)
end

-- A day hash, the values it admits (`cap` a dimension), and its decisions and pending counts during
-- one call: state[slot] maps a field to what the call adds to that count of its value (slot 1
-- sessions, 2 ms, 3 users; each made when first needed); `written` once any count went to the
-- hash. Its three counts in the table's array part, so that it takes 264 bytes, not 376.
local function newDayState(key, cap)
  return { false, false, false, key = key, cap = cap, fields = false, written = false }
end

-- Takes a place for a new value among those of dimension `d` a hash counts ("#d", "#o", "#b"),
-- at most `cap` of them; false when they are full. Live values and a day's values alike.
local function takeValuePlace(key, d, cap)
  if redis.call('HINCRBY', key, COUNT_FIELDS[d], '1') <= cap then return true end
  takeFrom(key, COUNT_FIELDS[d], -1)
  return false
end

local function decide(state, field, decided)
  local fields = state.fields
  if not fields then
    fields = {}
    state.fields = fields
  end
  fields[field] = decided
  return decided
end

-- The field a day counts a profile's value of dimension `d` under: its own if the day has it or
-- room for it, else "other". For a caller that needs the answer before counting (the users by
-- value name it in each user's list); counting alone decides on the way (applyDay).
local function dayField(state, field, d)
  local decided = state.fields and state.fields[field]
  if decided then return decided end
  if unlimited(field) then return decide(state, field, field) end
  local held = redis.call('HMGET', state.key, field, slotField(field, 2), slotField(field, 3))
  if held[1] or held[2] or held[3] or takeValuePlace(state.key, d, state.cap) then
    return decide(state, field, field)
  end
  return decide(state, field, OTHER_FIELDS[d])
end

-- Adds to slot 1 (sessions opened), 2 (ms) or 3 (users) of a value's field, "<letter>:<value>" (or
-- the field dayField decided), pending until applied: a field's changes are summed first.
local function addToDay(state, field, slot, delta)
  if delta <= 0 then return end
  local pending = state[slot]
  if not pending then
    pending = {}
    state[slot] = pending
  end
  pending[field] = (pending[field] or 0) + delta
end

-- The first count of a value not decided yet this call decides it (`n` to its `slot`): its field
-- already counting (HINCRBY answers more than it added) or, new, another of its fields counting,
-- is the day's; else the value takes a place, or its count moves to "other". Returns the field
-- decided, and whether the count went to it already.
local function decideByCounting(state, field, slot, n)
  local own = slotField(field, slot)
  if redis.call('HINCRBY', state.key, own, UNIT_TEXT[n] or n) > n then return decide(state, field, field), true end
  local others = {}
  for s = 1, 3 do
    if s ~= slot then others[#others + 1] = slotField(field, s) end
  end
  local held = redis.call('HMGET', state.key, unpack(others))
  local d = DIMENSION_OF[string.sub(field, 1, 1)]
  if held[1] or held[2] or takeValuePlace(state.key, d, state.cap) then
    return decide(state, field, field), true
  end
  redis.call('HDEL', state.key, own)
  return decide(state, field, OTHER_FIELDS[d]), false
end

-- Adds a day's pending counts to their fields, in any order.
local function applyDay(state)
  local key = state.key
  for slot = 1, 3 do
    local pending = state[slot]
    if pending then
      for field, n in pairs(pending) do
        local decided = unlimited(field) and field or (state.fields and state.fields[field])
        local counted = false
        if not decided then decided, counted = decideByCounting(state, field, slot, n) end
        if not counted then redis.call('HINCRBY', key, slotField(decided, slot), UNIT_TEXT[n] or n) end
      end
      state[slot] = false
      state.written = true
    end
  end
end

-- The day outgrew its exact user tally: its users hash (`usersKey`, may be nil) goes, and the
-- counts say how many users they cover (once; the field's presence says it happened).
local function freezeDayUsers(state, usersKey, usersCovered)
  if redis.call('HSETNX', state.key, INEXACT, usersCovered) == 0 then return end
  state.written = true
  if usersKey then redis.call('DEL', usersKey) end
end

-- Counts a profile's sessions opened (slot 1) or their time (2) to each of its values' fields of a
-- day (`fields[at..at + 2]`, d:, o:, b:).
local function addProfileToDay(state, fields, at, slot, delta)
  if delta <= 0 then return end
  for d = 0, 2 do addToDay(state, fields[at + d], slot, delta) end
end
