--- @include "breakdownDays"

-- A reaper knows the profiles of the sessions it closes only by their ids (in the members), so it
-- reads each profile's values from its record (resolveProfiles); a writer sends them with its
-- events.

-- Which of the five content fields holds each dimension's value.
local DIMENSION_FIELDS = { 1, 2, 4 }

-- Sets a profile's content and its fields (d:, o:, b: of its values, then the logged-in D:, O:,
-- B:) from its record's content ("" when it has none: every value unknown).
local function profileValuesOf(p, content)
  p.content = content
  local labels = splitText(content, US)
  p.fields, p.at = {}, 1
  for d = 1, 3 do
    local v = labels[DIMENSION_FIELDS[d]] or ''
    if v == '' then v = UNKNOWN end
    p.fields[d] = LETTERS[d] .. ':' .. v
    p.fields[d + 3] = string.upper(LETTERS[d]) .. ':' .. v
  end
end
