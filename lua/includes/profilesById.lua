--- @include "fieldBatch"
--- @include "breakdownDays"
--- @include "breakdownFields"

-- A reaper knows the profiles of the sessions it closes only by their ids (in the members), so it
-- names each profile's record first and reads its values from it; a writer sends them with its
-- events. Kept out of breakdownFields, which applyBatch includes: a script makes every function it
-- includes at each call (about 50-80 bytes each), and applyBatch never needs these.

-- Which of the five content fields holds each dimension's value.
local DIMENSION_FIELDS = { 1, 2, 4 }

-- A profile the caller knows only by id (a reaper): named now, its value fields once its record
-- is read (profilesNeedValues).
local function wantProfileById(b, id)
  return wantProfile(b, id, nil, nil, nil)
end

-- After the first load: profiles known only by id get their content from their records and name
-- their value fields; returns whether the caller must load again.
local function profilesNeedValues(b)
  local more = false
  for _, p in ipairs(b.profileOrder) do
    if not p.vf then
      local text = p.pf and fieldValue(b.live, p.pf)
      p.content = text and string.sub(text, string.find(text, '|', 1, true) + 4) or ''
      local fields = splitText(p.content, US)
      p.vf, p.lf = {}, {}
      for d = 1, 3 do
        local v = fields[DIMENSION_FIELDS[d]] or ''
        if v == '' then v = UNKNOWN end
        p.vf[d] = LETTERS[d] .. ':' .. v
        p.lf[d] = string.upper(LETTERS[d]) .. ':' .. v
      end
      wantValueFields(b, p, true)
      more = true
    end
  end
  return more
end
