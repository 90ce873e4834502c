--[[
  Read a page of one incarnation's live sessions in session id order, each with its client profile.
  Reads only, and at most ARGV[2] members per call (ZRANGEBYLEX with LIMIT: O(log N + ARGV[2])), so
  paging through any number of sessions never blocks Redis. Paging by session id returns each
  session exactly once even while logins and logouts rewrite members: a member keeps its place,
  which its session id alone decides.
  Input:
    KEYS[1] instance sessions zset
    KEYS[2] session profiles hash
    ARGV[1] session id to continue after, or "" to start at the first session
    ARGV[2] most members to examine
    ARGV[3] most sessions to return
    ARGV[4] user id whose sessions are wanted, or "" for every session
  Output:
    {session id to continue after, or "" when the set holds no more sessions; members examined;
     then member, profile content ("" when none), for each session returned}
]]
local rcall = redis.call
local sessionsKey, profilesKey = KEYS[1], KEYS[2]
local after = ARGV[1]
local examine, wanted = tonumber(ARGV[2]), tonumber(ARGV[3])
local user = ARGV[4]

--- @include "includes/sessionMember"

local from = '-'
-- Members of one session are "<sid>\0...", all below "<sid>\1"; any later session id is above it.
if after ~= '' then from = '[' .. after .. '\1' end
local members = rcall('ZRANGEBYLEX', sessionsKey, from, '+', 'LIMIT', 0, examine)
local out = { '', 0 }
local contents = {}
local last, examined, found = '', 0, 0
for _, member in ipairs(members) do
  local s = unpackSession(member)
  examined = examined + 1
  last = s.id
  if user == '' or s.user == user then
    local content = contents[s.profile]
    if content == nil then
      content = ''
      local record = s.profile ~= '' and rcall('HGET', profilesKey, s.profile)
      -- "<live sessions>|<three flags><content>"
      if record then content = string.sub(record, string.find(record, '|', 1, true) + 4) end
      contents[s.profile] = content
    end
    out[#out + 1] = member
    out[#out + 1] = content
    found = found + 1
    if found >= wanted then break end
  end
end
if found >= wanted or examined >= examine then out[1] = last end
out[2] = examined
return out
