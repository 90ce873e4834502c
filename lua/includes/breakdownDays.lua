--- @include "redisTime"
--- @include "fieldBatch"

-- A day's breakdown fields (lua/includes/breakdownFields.lua describes the layout): each value's
-- field "<sessions opened>|<session ms>|<users>", admitted while the dimension has room ("#d",
-- "#o", "#b" count the values), else counted under "other". A call decides each field once and
-- parses and formats it once, however many changes it gets (applyDay).
local US = '\31'
local OTHER, UNKNOWN = 'other', 'unknown'
local INEXACT = '|inexact'
local LETTERS = { 'd', 'o', 'b' }
local OTHER_FIELDS = { 'd:other', 'o:other', 'b:other' }
local COUNT_FIELDS = { '#d', '#o', '#b' }

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

-- A day hash (a field batch), the values it admits (`cap` a dimension), and its decisions and
-- pending counts during one call (made when first needed: most calls leave the day before alone).
-- Four fields, so the table takes four places, not eight (a place is 40 bytes a call).
local function newDayState(fb, cap)
  return { fb = fb, cap = cap, fields = false, pending = false }
end

-- The field a day counts a profile's value of dimension `d` under: its own if the day has it or
-- room for it, else "other". Decided once per call and field.
local function dayField(state, field, d)
  local fields = state.fields
  if not fields then
    fields = {}
    state.fields = fields
  end
  local decided = fields[field]
  if decided then return decided end
  local fb = state.fb
  if unlimited(field) or fieldValue(fb, field) then
    decided = field
  else
    local n = fieldNumber(fb, COUNT_FIELDS[d])
    if n < state.cap then
      setField(fb, COUNT_FIELDS[d], n + 1)
      decided = field
    else
      decided = OTHER_FIELDS[d]
    end
  end
  fields[field] = decided
  return decided
end

-- Adds to slot 1 (sessions opened), 2 (ms) or 3 (users) of a day field, pending until applied.
local function addToDay(state, field, slot, delta)
  local pending = state.pending
  if not pending then
    pending = {}
    state.pending = pending
  end
  local counts = pending[field]
  if not counts then
    counts = { 0, 0, 0 }
    pending[field] = counts
  end
  counts[slot] = counts[slot] + delta
end

-- Writes a day's pending counts: each field parsed and formatted once, in any order (the changed
-- fields are a set; fieldBatch).
local function applyDay(state)
  if not state.pending then return end
  local fb = state.fb
  for field, counts in pairs(state.pending) do
    local old = fieldValue(fb, field)
    if old then
      local a = string.find(old, '|', 1, true)
      local z = string.find(old, '|', a + 1, true)
      counts[1] = counts[1] + tonumber(string.sub(old, 1, a - 1))
      counts[2] = counts[2] + tonumber(string.sub(old, a + 1, z - 1))
      counts[3] = counts[3] + tonumber(string.sub(old, z + 1))
    end
    setField(fb, field, int(counts[1]) .. '|' .. int(counts[2]) .. '|' .. int(counts[3]))
  end
end
