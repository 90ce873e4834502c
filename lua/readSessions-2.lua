--[[
  Read a page of one incarnation's live sessions, in the set's order: by score (when each session's
  time starts to count), then by session id. Reads only, at most ARGV[3] members per call. The place
  to continue from is a score and a session id, not a rank or a member: a login or logout rewrites
  a member but keeps its score and id, so paging returns every session exactly once while they
  change, and sessions opening or closing meanwhile move nothing else.
  Input:
    KEYS[1] instance sessions zset
    KEYS[2] live totals hash (with the client profiles, p:<id>)
    ARGV[1] score of the last session already returned, or "" to start at the first session
    ARGV[2] session id of that session
    ARGV[3] most members to examine
    ARGV[4] most sessions to return
    ARGV[5] user id whose sessions are wanted, or "" for every session
  Output:
    {score and session id to continue after ("" when the set holds no more sessions); members
     examined; then member, score, profile content ("" when none), for each session returned}
]]
local rcall = redis.call
local sessionsKey, liveKey = KEYS[1], KEYS[2]
local afterScore, afterId = ARGV[1], ARGV[2]
local examine, wanted = tonumber(ARGV[3]), tonumber(ARGV[4])
local user = ARGV[5]

-- The session id of a member, and its user ("" when anonymous): src/session/session-member.ts.
local function fieldsOf(member)
  local a = string.find(member, '\0', 1, true)
  if not a then return member, '' end
  local b = string.find(member, '\0', a + 1, true)
  return string.sub(member, 1, a - 1), string.sub(member, a + 1, (b or 0) - 1)
end

-- Byte order, as the set orders members of one score (Lua's own < follows the locale).
local function bytesLess(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local start = 0
if afterScore ~= '' then
  -- The members of that score sit together, ordered by id: find the first past the session.
  local lo = rcall('ZCOUNT', sessionsKey, '-inf', '(' .. afterScore)
  local hi = lo + rcall('ZCOUNT', sessionsKey, afterScore, afterScore)
  local key = afterId .. '\0'
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local id = fieldsOf(rcall('ZRANGE', sessionsKey, mid, mid)[1])
    if bytesLess(key, id .. '\0') then hi = mid else lo = mid + 1 end
  end
  start = lo
end
local page = rcall('ZRANGE', sessionsKey, start, start + examine - 1, 'WITHSCORES')
local out = { '', '', 0 }
local contents = {}
local examined, found = 0, 0
for i = 1, #page, 2 do
  local member, score = page[i], page[i + 1]
  local id, owner = fieldsOf(member)
  examined = examined + 1
  out[1], out[2] = score, id
  if user == '' or owner == user then
    local profile = ''
    local a = string.find(member, '\0', 1, true)
    local b = a and string.find(member, '\0', a + 1, true)
    local c = b and string.find(member, '\0', b + 1, true)
    if c then profile = string.sub(member, c + 1, (string.find(member, '\0', c + 1, true) or 0) - 1) end
    local content = contents[profile]
    if content == nil then
      content = ''
      local record = profile ~= '' and rcall('HGET', liveKey, 'p:' .. profile)
      -- "<three flags><content>" (includes/breakdownFields)
      if record then content = string.sub(record, 4) end
      contents[profile] = content
    end
    out[#out + 1] = member
    out[#out + 1] = score
    out[#out + 1] = content
    found = found + 1
    if found >= wanted then break end
  end
end
if found < wanted and examined < examine then out[1], out[2] = '', '' end
out[3] = examined
return out
