-- Read-modify-write of one hash in two commands whatever the number of fields: the fields a call
-- will read are named first (want), read in one HMGET (loadFields), changed in Lua (setField), and
-- written back in one HSET, with one HDEL for the fields set to nil (saveFields). A field read
-- without being named is read then, on its own (HGET): always right, so naming is only about cost.
-- Every field named costs about a microsecond a call, read or not, so a call names what it will
-- surely read, and leaves to that HGET what only rare cases read (a value's first session, a full
-- dimension).
local FIELD_CHUNK = 1000

-- Every byte a call allocates costs time (about 2 µs a KB in a one-event call, garbage collection
-- included): the fields to load and those changed are kept in tables made when first needed, as
-- most calls leave some of their hashes alone; their places are made now (false), so that filling
-- them does not grow the table. What changed is a set, written in any order.
local function newFieldBatch(key)
  return { key = key, values = {}, order = false, changed = false }
end

local function want(fb, field)
  if fb.values[field] == nil then
    fb.values[field] = false
    local order = fb.order
    if not order then
      order = {}
      fb.order = order
    end
    order[#order + 1] = field
  end
end

local function loadFields(fb)
  local order = fb.order
  if not order then return end
  for from = 1, #order, FIELD_CHUNK do
    local to = math.min(#order, from + FIELD_CHUNK - 1)
    local got = redis.call('HMGET', fb.key, unpack(order, from, to))
    for i = from, to do fb.values[order[i]] = got[i - from + 1] end
  end
  fb.order = false
end

-- The field's value as loaded or set: a string, or false when absent. A field never named nor set
-- is read now; one named but not loaded yet reads as absent.
local function fieldValue(fb, field)
  local value = fb.values[field]
  if value == nil then
    value = redis.call('HGET', fb.key, field)
    fb.values[field] = value
  end
  return value
end

local function fieldNumber(fb, field)
  return tonumber(fieldValue(fb, field) or '0')
end

-- `value`: a string or number to write, or nil to delete the field.
local function setField(fb, field, value)
  fb.values[field] = value or false
  local changed = fb.changed
  if not changed then
    changed = {}
    fb.changed = changed
  end
  changed[field] = true
end

-- Adds `delta` to a counter field; a counter that reaches 0 or less is deleted when `dropZero`.
local function addToField(fb, field, delta, dropZero)
  if delta == 0 then return end
  local n = fieldNumber(fb, field) + delta
  if dropZero and n <= 0 then setField(fb, field, nil) else setField(fb, field, n) end
end

-- Writes what changed; true when anything did. A number goes to Redis as it is: redis.call writes
-- an integral one in full (%.17g), unlike Lua's own tostring, so int() would only cost a format.
local function saveFields(fb)
  local changed = fb.changed
  if not changed then return false end
  local set, del = {}, nil
  for field in pairs(changed) do
    local v = fb.values[field]
    if v then
      set[#set + 1] = field
      set[#set + 1] = v
    else
      del = del or {}
      del[#del + 1] = field
    end
  end
  for from = 1, #set, 2 * FIELD_CHUNK do
    redis.call('HSET', fb.key, unpack(set, from, math.min(#set, from + 2 * FIELD_CHUNK - 1)))
  end
  if del then
    for from = 1, #del, FIELD_CHUNK do
      redis.call('HDEL', fb.key, unpack(del, from, math.min(#del, from + FIELD_CHUNK - 1)))
    end
  end
  fb.changed = false
  return true
end
