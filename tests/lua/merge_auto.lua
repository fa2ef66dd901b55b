-- merge_auto through real jobs with two slices.
function main(urd)
  local function merged(kind) return urd:build('merge_parts', {kind = kind}):load() end

  local c = merged('counts').merged
  assert(c.words.a == 2 and c.words.b == 2 and c.words.c == 2, 'counters add')
  assert(c.n == 3 and math.type(c.n) == 'integer', 'integers stay integers')

  local f = merged('floats').merged
  assert(f == 2.0 and math.type(f) == 'float', 'floats add')

  local l = merged('lists').merged
  assert(#l == 4 and l[1] == 0 and l[3] == 1, 'arrays concatenate in slice order')

  local s = merged('sets').merged.seen
  assert(s.x and s.s0 and s.s1, 'sets union')

  local e = merged('conflict').error
  assert(e and e:find('key path `deep.name`', 1, true), 'a conflict names the key path: ' .. tostring(e))

  assert(merged('nil0').merged == 5, 'nil results are skipped')
end
